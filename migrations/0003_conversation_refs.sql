CREATE TABLE "conversation_refs" (
	"surface" text NOT NULL,
	"conversation_id" text NOT NULL,
	"tenant_id" text,
	"kind" text NOT NULL,
	"name" text,
	"reference" jsonb NOT NULL,
	"paused_reason" text,
	"paused_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "conversation_refs_surface_conversation_id_pk" PRIMARY KEY("surface","conversation_id")
);
