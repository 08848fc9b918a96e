/**
 * Functions run on this machine's Node.js (the stage forks `process.execPath`), whatever runtime the
 * stack names: a `nodejs22.x` function runs on Node 20 here if that is what is installed. The stage
 * still starts (a developer's Node need not match), but says so once, as a bundle that works here may
 * use or miss language features, built-ins (fetch, WebSocket, require(esm)) or defaults of the other major.
 */

/** The Node.js major a Lambda runtime identifier names (`nodejs22.x` -> 22), or undefined. */
export function runtimeNodeMajor(runtime: string): number | undefined {
  const m = /^nodejs(\d+)\.x$/.exec(runtime);
  return m ? Number(m[1]) : undefined;
}

/**
 * One warning line when any function's runtime names another Node.js major than `hostVersion`
 * (`process.version`), or undefined when they all match (or name no major).
 */
export function hostNodeWarning(
  functions: Iterable<{ readonly functionName: string; readonly runtime: string }>,
  hostVersion: string = process.version,
): string | undefined {
  const hostMajor = Number(/^v?(\d+)/.exec(hostVersion)?.[1]);
  const differing = [...functions].filter((f) => {
    const major = runtimeNodeMajor(f.runtime);
    return major !== undefined && major !== hostMajor;
  });
  if (differing.length === 0) return undefined;
  const which = differing.map((f) => `${f.functionName} (${f.runtime})`).join(', ');
  return (
    `warning: functions run on this machine's Node ${hostVersion}, not their Lambda runtime's major: ${which}. ` +
    'Code that depends on the Node.js version may behave differently on AWS; use a matching Node to be sure.'
  );
}
