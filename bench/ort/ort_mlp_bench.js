// Times ONNX Runtime (onnxruntime-node) on a model, one thread, as
// bench/inference_vs_ort.sh compares it with Stagegate's executor:
//   node ort_mlp_bench.js MODEL.onnx
// prints JSON: median nanoseconds per row at batch 1,024 and per single-row call.
'use strict';
const ort = require('onnxruntime-node');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeRuns(session, feeds, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start));
  }
  return times;
}

async function main() {
  const options = {intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all'};
  const session = await ort.InferenceSession.create(process.argv[2], options);
  const input = session.inputNames[0];
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const feedsOf = (rows) => ({[input]: new ort.Tensor('float32', Float32Array.from({length: rows * 16}, random), [rows, 16])});

  const batch = feedsOf(1024);
  await timeRuns(session, batch, 200);  // warm-up
  const batchTimes = [];
  for (let repetition = 0; repetition < 5; repetition++) {
    batchTimes.push(median(await timeRuns(session, batch, 1000)) / 1024);
  }
  const single = feedsOf(1);
  await timeRuns(session, single, 2000);
  const singleTimes = [];
  for (let repetition = 0; repetition < 5; repetition++) singleTimes.push(median(await timeRuns(session, single, 20000)));
  console.log(JSON.stringify({
    onnxruntime: require('onnxruntime-node/package.json').version,
    batch_ns_per_row: median(batchTimes),
    single_row_ns: median(singleTimes),
  }));
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
