CREATE TABLE "approvals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"proposal_id" text NOT NULL,
	"approver_id" text NOT NULL,
	"approver_name" text NOT NULL,
	"surface" text NOT NULL,
	"decision" text NOT NULL,
	"role" text NOT NULL,
	"reason" text,
	"decided_at" timestamp with time zone NOT NULL,
	CONSTRAINT "approvals_proposal_approver_uq" UNIQUE("proposal_id","approver_id"),
	CONSTRAINT "approvals_decision_check" CHECK ("approvals"."decision" in ('approve','reject'))
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"surface" text NOT NULL,
	"action" text NOT NULL,
	"proposal_id" text,
	"execution_id" text,
	"step_id" text,
	"from_status" text,
	"to_status" text,
	"before" jsonb,
	"after" jsonb,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "execution_steps" (
	"execution_id" text NOT NULL,
	"idx" integer NOT NULL,
	"step_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"before" jsonb,
	"result" jsonb,
	"error" text,
	"undo" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "execution_steps_execution_id_idx_pk" PRIMARY KEY("execution_id","idx"),
	CONSTRAINT "execution_steps_status_check" CHECK ("execution_steps"."status" in ('pending','running','succeeded','failed','skipped','undoing','undone','undo_failed','not_undoable'))
);
--> statement-breakpoint
CREATE TABLE "executions" (
	"id" text PRIMARY KEY NOT NULL,
	"proposal_id" text NOT NULL,
	"status" text NOT NULL,
	"owner" text NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"summary" text,
	CONSTRAINT "executions_proposal_uq" UNIQUE("proposal_id"),
	CONSTRAINT "executions_status_check" CHECK ("executions"."status" in ('running','succeeded','failed','rolled_back'))
);
--> statement-breakpoint
CREATE TABLE "proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"title" text NOT NULL,
	"plan_kind" text NOT NULL,
	"plan" jsonb NOT NULL,
	"risk" text NOT NULL,
	"required_count" integer NOT NULL,
	"required_role" text NOT NULL,
	"approvals_count" integer DEFAULT 0 NOT NULL,
	"requester_id" text NOT NULL,
	"requester_name" text NOT NULL,
	"requester_surface" text NOT NULL,
	"permissions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"message_ref" jsonb,
	"outcome" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "proposals_status_check" CHECK ("proposals"."status" in ('proposed','approved','rejected','expired','cancelled','executing','succeeded','failed','rolled_back')),
	CONSTRAINT "proposals_risk_check" CHECK ("proposals"."risk" in ('low','medium','critical'))
);
--> statement-breakpoint
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_proposal_id_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."proposals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "execution_steps" ADD CONSTRAINT "execution_steps_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "executions" ADD CONSTRAINT "executions_proposal_id_proposals_id_fk" FOREIGN KEY ("proposal_id") REFERENCES "public"."proposals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_proposal_idx" ON "audit_log" USING btree ("proposal_id","id");--> statement-breakpoint
CREATE INDEX "proposals_status_idx" ON "proposals" USING btree ("status","expires_at");