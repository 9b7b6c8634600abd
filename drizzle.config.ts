import { defineConfig } from "drizzle-kit";

// Migrations are generated from the schema files and committed; the same SQL runs on PGlite
// and on a PostgreSQL server (scripts/db-migrate.ts applies them through lib/db). The bank's
// tables are lib/db/schema.ts; the in-app mock provider's are its own (mock-provider/schema.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: ["./lib/db/schema.ts", "./mock-provider/schema.ts"],
  out: "./drizzle",
  casing: "snake_case",
});
