CREATE TABLE "card_refreshes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"proposal_id" text NOT NULL,
	"surface" text NOT NULL,
	"message_key" text NOT NULL,
	"address" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "card_refreshes_message_uq" UNIQUE("proposal_id","surface","message_key")
);
--> statement-breakpoint
CREATE INDEX "card_refreshes_due_idx" ON "card_refreshes" USING btree ("surface","due_at");