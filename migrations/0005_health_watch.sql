CREATE TABLE "health_event_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"state" text NOT NULL,
	"severity" text NOT NULL,
	"affected" integer NOT NULL,
	"summary" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_events" (
	"key" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"cloud" text NOT NULL,
	"region" text NOT NULL,
	"scope" text NOT NULL,
	"kind" text NOT NULL,
	"service" text NOT NULL,
	"state" text NOT NULL,
	"severity" text NOT NULL,
	"started" text NOT NULL,
	"updated" text NOT NULL,
	"ended" text,
	"affected" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"summary" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"state_since" timestamp with time zone NOT NULL,
	CONSTRAINT "health_events_state_check" CHECK ("health_events"."state" in ('open','upcoming','closed')),
	CONSTRAINT "health_events_scope_check" CHECK ("health_events"."scope" in ('instance','region','account'))
);
--> statement-breakpoint
CREATE TABLE "health_incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"cloud" text NOT NULL,
	"region" text NOT NULL,
	"instance" jsonb,
	"state" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"evidence" jsonb NOT NULL,
	"proposal_id" text,
	"failback_proposal_id" text,
	CONSTRAINT "health_incidents_state_check" CHECK ("health_incidents"."state" in ('open','closed')),
	CONSTRAINT "health_incidents_kind_check" CHECK ("health_incidents"."kind" in ('region','instance'))
);
--> statement-breakpoint
CREATE TABLE "watch_subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"surface" text NOT NULL,
	"target" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "health_event_history_key_idx" ON "health_event_history" USING btree ("key","id");--> statement-breakpoint
CREATE INDEX "health_events_state_idx" ON "health_events" USING btree ("state","cloud","region");--> statement-breakpoint
CREATE UNIQUE INDEX "health_incidents_open_key_idx" ON "health_incidents" USING btree ("key") WHERE "health_incidents"."state" = 'open';--> statement-breakpoint
CREATE INDEX "health_incidents_proposal_idx" ON "health_incidents" USING btree ("proposal_id");