import type { ApprovalService } from '../domain/approvals/approval.service.js';
import type { InventoryService } from '../domain/inventory/inventory.service.js';
import type { Actor, Surface } from '../domain/model/actor.js';
import type { Plan } from '../domain/model/plan.js';
import type { OptimizerSettings } from '../domain/optimizer/settings.js';
import type { ChartRenderer } from '../domain/ports/chart.port.js';
import type { DigestStore } from '../domain/ports/digest-store.port.js';
import type { Planner } from '../domain/ports/planner.port.js';
import type { PostureService } from '../domain/security/posture.service.js';
import type { PriceCatalog } from '../domain/ports/price-catalog.port.js';
import type { RunClaims } from '../domain/ports/run-claims.port.js';
import type { SolverPort } from '../domain/ports/solver.port.js';
import type { MessageRef } from './command.js';
import type { Reply } from './reply.js';
import type { HealthWatch } from '../domain/health/watch.service.js';
import type { HealthStore } from '../domain/ports/health-store.port.js';
import type { DemoHealthControl } from '../domain/ports/demo-health.port.js';

/** Regenerates or reloads the demo estate (only present when the demo provider is enabled). */
export interface DemoControl {
  reset(opts: { seed?: number; instances?: number }): Promise<{ instances: number; seed: number | null; source: string }>;
  describe(): Promise<{ instances: number; seed: number | null; source: string }>;
  /** Fault injection for the health watch (`demo fault|outage|recover`). */
  health?: DemoHealthControl;
}

/** The health watch and its store (issue 15; src/domain/health). */
export interface HealthServices {
  watch: HealthWatch;
  store: HealthStore;
}

/**
 * Turns a Plan into a proposal that waits for approval (the approvals capability implements it).
 * The reply shows the plan with Approve/Reject buttons that carry only the proposal id.
 */
export interface ProposalsApi {
  /**
   * Proposes the plan. With `supersede`, older pending proposals of the same kind and scope (`plan.scope`) are
   * withdrawn; each comes back with its updated card and where that card was posted, for the caller to update.
   */
  propose(input: { plan: Plan; requester: Actor; surface: Surface; supersede?: boolean }): Promise<{
    id: string;
    reply: Reply;
    data: unknown;
    superseded?: { id: string; reply: Reply; messages: MessageRef[] }[];
  }>;
}

/** Defaults for `optimize` and `failover` (from config; flags override per run) and the solver beyond yalps. */
export interface OptimizerServices {
  settings: OptimizerSettings;
  /** HiGHS in a worker thread, for models beyond yalps; absent = yalps and the Lagrangian path only. */
  highs?: SolverPort;
}

/** Anomaly thresholds (STEWARD_ANOMALY_*): a day is anomalous above both; critical ones are sent at once. */
export interface AnomalySettings {
  absoluteUsd: number;
  relativePct: number;
  criticalUsd: number;
}

/** Digests, security mutes and cost history (src/domain/digests, src/domain/security). */
export interface DigestServices {
  store: DigestStore;
  runs: RunClaims;
  /** Server-side PNG charts; absent = digests say what the chart would show, in text. */
  charts?: ChartRenderer;
  anomaly: AnomalySettings;
  /** The demo estate seeds 60 days of synthetic history on first use (never with real clouds). */
  seedHistory: boolean;
}

/** The domain services commands use; main.ts builds them. Later capabilities add fields here. */
export interface Services {
  inventory: InventoryService;
  catalog: PriceCatalog;
  demo?: DemoControl;
  proposals?: ProposalsApi;
  /** Decisions, cancellations, listings and executions of proposals (the approvals capability). */
  approvals?: ApprovalService;
  optimizer?: OptimizerServices;
  /** Runs optimize, failover and the cost digest off the event loop (src/workers); absent = in-process. */
  planner?: Planner;
  digests?: DigestServices;
  /** The normalized security posture, cached like the inventory (src/domain/security). */
  posture?: PostureService;
  health?: HealthServices;
}
