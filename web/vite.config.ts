import { resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

/** TIDINGS_API points `npm run dev` at another server (default 127.0.0.1:8000).
 * Multi-page: `main` is the chat app; other entries (e.g. `graphiql`) can be added beside it. */
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: resolve(import.meta.dirname, "../tidings/web/dist"),
    emptyOutDir: true,
    assetsDir: "assets",
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, "index.html"),
        graphiql: resolve(import.meta.dirname, "graphiql.html"),
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/graphql": { target: process.env.TIDINGS_API ?? "http://127.0.0.1:8000", ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
