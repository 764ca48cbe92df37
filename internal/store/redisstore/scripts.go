package redisstore

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFS embed.FS

func script(name string) *redis.Script {
	common, err := luaFS.ReadFile("lua/common.lua")
	if err != nil {
		panic(err)
	}
	body, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(common) + "\n" + string(body))
}

var (
	checkScript    = script("check")
	withdrawScript = script("withdraw")
	syncScript     = script("sync")
	resolveScript  = script("resolve")
	relabelScript  = script("relabel")
	leaseScript    = script("lease")
	finishScript   = script("finish")
	retryScript    = script("retry")
	enqueueScript  = script("enqueue")

	allScripts = []*redis.Script{checkScript, withdrawScript, syncScript, resolveScript, relabelScript, leaseScript, finishScript, retryScript, enqueueScript}
)
