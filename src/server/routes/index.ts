import type { FastifyInstance } from "fastify";
import { authRoutes } from "./auth.routes.ts";
import { assetsRoutes } from "./assets.routes.ts";
import { alertsRoutes } from "./alerts.routes.ts";
import { responseRoutes } from "./response.routes.ts";
import { adminRoutes } from "./admin.routes.ts";
import { notifyRoutes } from "./notify.routes.ts";
import { whitelistRoutes } from "./whitelist.routes.ts";
import { statsRoutes } from "./stats.routes.ts";
import { logonRoutes } from "./logon.routes.ts";
import { intelRoutes } from "./intel.routes.ts";
import { hostRoutes } from "./host.routes.ts";
import { quarantineRoutes } from "./quarantine.routes.ts";
import { playbooksRoutes } from "./playbooks.routes.ts";
import { eventsRoutes } from "./events.routes.ts";
import { eventResponseRoutes } from "./event-response.routes.ts";
import type { RouteDeps } from "./common.ts";

export { createEnrolToken } from "./assets.routes.ts";
export type { RouteDeps } from "./common.ts";

/** REST API under /api/v1, described by the OpenAPI document at /api/v1/openapi.json. */
export async function apiRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  await authRoutes(app, deps);
  await assetsRoutes(app, deps);
  await alertsRoutes(app, deps);
  await responseRoutes(app, deps);
  await adminRoutes(app, deps);
  await notifyRoutes(app, deps);
  await whitelistRoutes(app, deps);
  await statsRoutes(app, deps);
  await logonRoutes(app, deps);
  await intelRoutes(app, deps);
  await hostRoutes(app, deps);
  await quarantineRoutes(app, deps);
  await playbooksRoutes(app, deps);
  await eventsRoutes(app, deps);
  await eventResponseRoutes(app, deps);
  app.get("/api/v1/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () => app.swagger());
}
