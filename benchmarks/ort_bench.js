// ONNX Runtime's CPU provider on one model, as a user would run it from the
// .onnx file: 2 intra-op threads, graph optimizations on, sequential.
//   node ort_bench.js MODEL.onnx N,C,H,W WARMUP MIN_SECONDS MIN_RUNS [PROFILE_PREFIX]
// prints {"median_ms": ..., "runs": ...}. With PROFILE_PREFIX, ONNX Runtime's
// profiler writes PROFILE_PREFIX_DATE.json, a "Node" event per node and run.
const ort = require("onnxruntime-node");

async function main() {
  const [model, shapeText, warmup, minSeconds, minRuns, profilePrefix] = process.argv.slice(2);
  const shape = shapeText.split(",").map(Number);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential",
    ...(profilePrefix ? {enableProfiling: true, profileFilePrefix: profilePrefix} : {})});
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; ++i) data[i] = Math.sin(i);
  const feeds = {[session.inputNames[0]]: new ort.Tensor("float32", data, shape)};
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (times.length < Number(minRuns) || Number(process.hrtime.bigint() - start) / 1e9 < Number(minSeconds)) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  if (profilePrefix) await session.endProfiling();
  console.log(JSON.stringify({median_ms: times[Math.floor(times.length / 2)], runs: times.length}));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
