package main

import (
	"context"
	"fmt"

	"gatekeeper/internal/config"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/store/sqlitestore"
)

// openStore opens Redis when a URL is configured, else the embedded store.
func openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if cfg.RedisURL != "" {
		return openRedis(ctx, cfg)
	}
	st, err := sqlitestore.Open(ctx, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open the embedded store in %s: %w", cfg.DataDir, err)
	}
	return st, nil
}

func storeName(cfg *config.Config) string {
	if cfg.RedisURL != "" {
		return "redis"
	}
	return "embedded:" + cfg.DataDir
}

func openRedis(ctx context.Context, cfg *config.Config) (store.Store, error) {
	st, err := redisstore.Open(ctx, cfg.RedisURL, redisstore.WithWaitReplicas(cfg.RedisWaitReplicas))
	if err != nil {
		return nil, fmt.Errorf("open Redis: %w", err)
	}
	return st, nil
}
