import { defineConfig } from "drizzle-kit";

// Migrations are generated from the one schema file and committed; the same SQL runs on
// PGlite and on a PostgreSQL server (scripts/db-migrate.ts applies them through lib/db).
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/db/schema.ts",
  out: "./drizzle",
  casing: "snake_case",
});
