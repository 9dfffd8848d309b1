CREATE TABLE "cost_snapshots" (
	"day" text NOT NULL,
	"provider" text NOT NULL,
	"region" text NOT NULL,
	"account" text NOT NULL,
	"team" text NOT NULL,
	"hourly_micros" bigint NOT NULL,
	"instances" integer NOT NULL,
	"source" text NOT NULL,
	CONSTRAINT "cost_snapshots_day_provider_region_account_team_pk" PRIMARY KEY("day","provider","region","account","team")
);
--> statement-breakpoint
CREATE TABLE "digest_subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"cadence" text NOT NULL,
	"weekday" integer,
	"time" text NOT NULL,
	"timezone" text NOT NULL,
	"surface" text NOT NULL,
	"target" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "digest_subscriptions_kind_check" CHECK ("digest_subscriptions"."kind" in ('cost','security')),
	CONSTRAINT "digest_subscriptions_cadence_check" CHECK ("digest_subscriptions"."cadence" in ('daily','weekly'))
);
--> statement-breakpoint
CREATE TABLE "scheduled_runs" (
	"job" text NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"owner" text NOT NULL,
	"scheduled_for" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"late" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"finished_at" timestamp with time zone,
	"error" text,
	"result" jsonb,
	CONSTRAINT "scheduled_runs_job_period_pk" PRIMARY KEY("job","period"),
	CONSTRAINT "scheduled_runs_status_check" CHECK ("scheduled_runs"."status" in ('claimed','done','failed'))
);
--> statement-breakpoint
CREATE TABLE "security_mutes" (
	"id" text PRIMARY KEY NOT NULL,
	"check_id" text NOT NULL,
	"target_kind" text NOT NULL,
	"target_key" text,
	"target_value" text NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "security_mutes_target_check" CHECK ("security_mutes"."target_kind" in ('resource','tag'))
);
--> statement-breakpoint
CREATE INDEX "scheduled_runs_job_idx" ON "scheduled_runs" USING btree ("job","scheduled_for");--> statement-breakpoint
CREATE INDEX "security_mutes_expiry_idx" ON "security_mutes" USING btree ("expires_at");