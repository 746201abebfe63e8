import { spawnSync } from 'node:child_process';
import { initTensorflow, useBackend } from './backend';

/** Runs initTensorflow in a fresh Node process (tfjs keeps its engine on the global object, one per process). */
function initInFreshProcess(env: Record<string, string>): { stdout: string; stderr: string } {
  const script = `require(${JSON.stringify(require.resolve('./backend'))})
    .initTensorflow().then((b) => console.log('RESULT ' + JSON.stringify(b)), (e) => console.log('ERROR ' + e.message));`;
  const result = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('initTensorflow', () => {
  it('picks the best available backend once and logs it once', async () => {
    const log = jest.fn();
    const first = await initTensorflow({ log });
    const second = await initTensorflow({ log });
    expect(second).toBe(first);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toMatch(/^\[maskd\] tensorflow\.js \S+ backend: (tensorflow|wasm)/);
    expect(first.available).toContain('cpu');
    // Without tfjs-node (not installable here), wasm runs the forward passes.
    if (!first.available.includes('tensorflow'))
      expect(first).toMatchObject({ name: 'wasm', wasmThreads: 1 });
    await useBackend('cpu');
    await useBackend(first.name);
  });

  it('honours MASKD_TF_BACKEND', () => {
    const { stdout } = initInFreshProcess({ MASKD_TF_BACKEND: 'cpu' });
    expect(stdout).toMatch(/backend: cpu; available: (tensorflow, )?(wasm, )?cpu/);
    expect(stdout).toMatch(/RESULT \{"name":"cpu"/);
  });

  it('rejects an unknown MASKD_TF_BACKEND, naming the choices', () => {
    const { stdout } = initInFreshProcess({ MASKD_TF_BACKEND: 'webgpu' });
    expect(stdout).toContain("ERROR MASKD_TF_BACKEND must be one of tensorflow, wasm, cpu, got 'webgpu'");
  });
});
