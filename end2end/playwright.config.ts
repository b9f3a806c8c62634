import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// One fresh SQLite database per run; workers inherit the variable from the main process.
process.env.KUNCI_E2E_DB ??= path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kunci-e2e-')), 'kunci.db');
const port = process.env.KUNCI_E2E_PORT ?? '3107';
const root = path.resolve(__dirname, '..');

export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  // The release build that `cargo leptos build --release --precompress --split` made (the
  // dashboard inside the binary, started from an empty directory), on its own database.
  // `--signup open`: every spec signs its own fresh user up through the sign-up page (the
  // flow many of them test), and under the default (closed) only the run's first would
  // get in. The closed default and the administrators' own account creation are tested
  // in server/tests/admin.rs; admin.spec.ts makes its administrator with the CLI.
  webServer: {
    command: `${root}/target/release/server serve --listen 127.0.0.1:${port} ` +
      `--database-url sqlite://${process.env.KUNCI_E2E_DB} --signup open`,
    url: `http://127.0.0.1:${port}/readyz`,
    cwd: os.tmpdir(),
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: { RUST_LOG: 'warn' },
  },
});
