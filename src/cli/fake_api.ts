/**
 * `fake-api`: the fake TestIO API alone, for trying the client by hand and for benchmarks.
 */
import { type Command, EXIT, helpText, parseFlags } from "./command.ts";
import { InputError } from "../errors.ts";
import { runFakeApi } from "../testio/fake/run_fake_api.ts";
import type { Scale } from "../testio/fake/dataset.ts";

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new InputError(`--${name} must be a number: got '${value}'`);
  }
  return n;
}

export const fakeApiCommand: Command = {
  name: "fake-api",
  summary: "Run the built-in fake TestIO API (synthetic data, loopback only) and print its base URL.",
  usage: "fake-api [--port 0] [--scale S|M|L] [--seed N] [--latency-ms MS] [--fault-rate 0..1] [--token T]",
  help: `Options:
  --port PORT        port on 127.0.0.1 (default 0: any free port)
  --scale S|M|L      data size: S ≈ 4 products/130 tests/2,200 bugs, M ≈ 6/720/8,000, L ≈ 100/20,000/400,000
  --seed N           generator seed (default 1); the same seed gives the same data
  --latency-ms MS    delay added to every request
  --fault-rate R     share of requests failing (half HTTP 500, half 429 with Retry-After)
  --token T          token clients must send (default fake-token)
stdout gets one line with the settings a client needs; Ctrl+C stops the server.`,
  async run(args, io) {
    const { values } = parseFlags("fake-api", args, {
      port: { type: "string" },
      scale: { type: "string" },
      seed: { type: "string" },
      "latency-ms": { type: "string" },
      "fault-rate": { type: "string" },
      token: { type: "string" },
    });
    if (values.help) {
      io.stdout(helpText(fakeApiCommand));
      return EXIT.OK;
    }
    const scale = values.scale?.toUpperCase();
    if (scale !== undefined && !["S", "M", "L"].includes(scale)) {
      throw new InputError(`--scale must be S, M or L: got '${values.scale}'`);
    }
    await runFakeApi({
      port: num("port", values.port),
      scale: scale as Scale | undefined,
      seed: num("seed", values.seed),
      latencyMs: num("latency-ms", values["latency-ms"]),
      faultRate: num("fault-rate", values["fault-rate"]),
      token: values.token,
      signal: io.signal,
      out: (line) => io.stdout(line + "\n"),
      err: (line) => io.stderr(line + "\n"),
    });
    return EXIT.OK;
  },
};
