import { runMain } from "@blessed-horizon/service-kit";
import { startService } from "./main.js";

await runMain(startService);
