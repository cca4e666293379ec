// ONNX Runtime's CPU provider on one model with its profiler on, as
// ort_bench.js runs it: 2 intra-op threads, graph optimizations on.
//   node ort_profile.js MODEL.onnx N,C,H,W RUNS PROFILE_PREFIX
// prints {"median_ms": ...}; the profiler writes PROFILE_PREFIX_DATE.json, a
// "Node" event per node and run.
const ort = require("onnxruntime-node");

async function main() {
  const [model, shapeText, runs, prefix] = process.argv.slice(2);
  const shape = shapeText.split(",").map(Number);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential",
    enableProfiling: true, profileFilePrefix: prefix});
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; ++i) data[i] = Math.sin(i);
  const feeds = {[session.inputNames[0]]: new ort.Tensor("float32", data, shape)};
  for (let i = 0; i < 5; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  await session.endProfiling();
  console.log(JSON.stringify({median_ms: times[Math.floor(times.length / 2)]}));
}

main().catch((e) => {
  console.error(`ort_profile: ${e.message}`);
  process.exit(1);
});
