import { MemoryStore } from "./memory.ts";
import { storeSuite } from "./store_suite.ts";

storeSuite("MemoryStore", (bounds) => ({ store: new MemoryStore(bounds) }));
