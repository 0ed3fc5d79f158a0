"""Jobs: one small enqueue interface; arq on Redis when `REDIS_URL` is set, in-process
otherwise. The same idempotent job functions run on both (arq delivers at least once)."""
