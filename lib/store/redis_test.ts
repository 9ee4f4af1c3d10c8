import { connectRedis } from "../cluster/cluster_node.ts";
import { RedisServer } from "../cluster/redis_server.ts";
import { tempDir } from "../testing.ts";
import { RedisStore } from "./redis.ts";
import { storeSuite } from "./store_suite.ts";

storeSuite("RedisStore", async (bounds) => {
  const dir = tempDir();
  const redis = await RedisServer.start({ dir: dir.path });
  const client = await connectRedis(redis.url);
  const store = new RedisStore(client, {
    prefix: "test:",
    bounds,
    where: redis.url,
    onError: (error) => {
      throw error;
    },
  });
  return {
    store,
    cleanup: async () => {
      await client.close();
      await redis.stop();
      dir[Symbol.dispose]();
    },
  };
});
