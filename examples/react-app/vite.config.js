import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// In `vite dev`, /api goes to the Express backend (server/index.js, which
// serves the built app itself in production).
export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": `http://127.0.0.1:${process.env.PORT ?? 3000}` } },
});
