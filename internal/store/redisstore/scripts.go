package redisstore

import (
	"embed"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
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
	src := strings.ReplaceAll(string(common)+"\n"+string(body), "WEBHOOK_TTL_MS", "'"+webhookTTLms+"'")
	return redis.NewScript(src)
}

// webhookTTLms is store.WebhookTTL in ms, written into the scripts where
// they say WEBHOOK_TTL_MS (a constant of the script, not an argument).
var webhookTTLms = strconv.FormatInt(store.WebhookTTL.Milliseconds(), 10)

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
