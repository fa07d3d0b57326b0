// Tests that need a program a machine may lack: Debian's chromium, Debian's Python packages.
// .ci/run installs every one of them and sets REQUIRE_SYSTEM_TOOLS=1, so in CI a missing tool
// fails the test file; on a developer's fresh machine `npm test` skips that test, saying what to
// install, rather than failing for want of a browser.
import { execFileSync } from 'node:child_process';

export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** false when present; else the skip reason (or, with REQUIRE_SYSTEM_TOOLS=1, an error). */
export function missingTool(what: string, present: boolean, install: string): string | false {
  if (present) return false;
  const reason = `needs ${what} (${install})`;
  if (process.env.REQUIRE_SYSTEM_TOOLS === '1') throw new Error(`REQUIRE_SYSTEM_TOOLS=1, but this test ${reason}`);
  return reason;
}

/** Whether Debian's python3 imports every one of these modules. */
export function pythonHas(modules: readonly string[]): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
