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

func script(name string) *redis.Script { return redis.NewScript(scriptSource(name)) }

// scriptSource is a script's source as sent: the shared prelude, the
// script, and the constants written in.
func scriptSource(name string) string {
	common, body := scriptParts(name)
	return constants.Replace(common + "\n" + body)
}

// scriptParts reads the shared prelude and lua/NAME.lua.
func scriptParts(name string) (common, body string) {
	c, err := luaFS.ReadFile("lua/common.lua")
	if err != nil {
		panic(err)
	}
	b, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return string(c), string(b)
}

// constants are written into the scripts where they name them: the
// webhook record's lifetime (WEBHOOK_TTL_MS) and the names of an outlet's
// keys after its prefix (KEY_WIN … KEY_REPLY_, keys.go), so a script that
// makes its keys from the prefix (check.lua) names them as Go does. (No
// name is the start of another.)
var constants = strings.NewReplacer(
	"WEBHOOK_TTL_MS", luaString(webhookTTLms),
	"KEY_WIN", luaString(winKey),
	"KEY_NEGATIVE", luaString(negKey),
	"KEY_POSITIVE", luaString(posKey),
	"KEY_DAILY", luaString(dailyKey),
	"KEY_AUDIT", luaString(auditKey),
	"KEY_HOLDS", luaString(holdsKey),
	"KEY_POST_", luaString(postKey),
	"KEY_HOLD_", luaString(holdKey),
	"KEY_WEBHOOK_", luaString(webhookKey),
	"KEY_REPLY_", luaString(replyKey),
)

// luaString quotes s for a Lua source (s has no quote or backslash).
func luaString(s string) string { return "'" + s + "'" }

// webhookTTLms is store.WebhookTTL in ms, written into the scripts where
// they say WEBHOOK_TTL_MS (a constant of the script, not an argument).
var webhookTTLms = strconv.FormatInt(store.WebhookTTL.Milliseconds(), 10)

var (
	withdrawScript = script("withdraw")
	syncScript     = script("sync")
	resolveScript  = script("resolve")
	relabelScript  = script("relabel")
	leaseScript    = script("lease")
	finishScript   = script("finish")
	retryScript    = script("retry")
	enqueueScript  = script("enqueue")

	allScripts = []*redis.Script{withdrawScript, syncScript, resolveScript, relabelScript, leaseScript, finishScript, retryScript, enqueueScript}
)
