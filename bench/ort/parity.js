// Cross-checks the committed reference outputs (tests/data/models/*.ref.txt,
// made by make_models.py with torch and numpy, and matched by Stagegate's
// executor in tests/unit/inference/model_parity_test.cc) against ONNX
// Runtime, the peer: if ONNX Runtime agrees with the references, Stagegate
// agrees with ONNX Runtime.
//   node parity.js [MODELS_DIR]
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const dir = process.argv[2] || path.join(__dirname, '../../tests/data/models');
const types = {float32: Float32Array, int64: BigInt64Array, string: Array};

function parse(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const values = {inputs: [], outputs: []};
  for (let i = 0; i < lines.length; i += 2) {
    const [role, name, type, rank, ...rest] = lines[i].trim().split(/\s+/);
    const dims = rest.slice(0, Number(rank)).map(Number);
    const tokens = lines[i + 1].trim() === '' ? [] : lines[i + 1].trim().split(/\s+/);
    if (role === 'keys') continue;
    values[role === 'input' ? 'inputs' : 'outputs'].push({name, type, dims, tokens});
  }
  return values;
}

function tensorOf({type, dims, tokens}) {
  if (type === 'float32') return new ort.Tensor('float32', Float32Array.from(tokens, Number), dims);
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), dims);
  return new ort.Tensor('string', tokens, dims);
}

async function main() {
  let failures = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ref.txt')).sort()) {
    const model = path.join(dir, file.replace('.ref.txt', '.onnx'));
    const reference = parse(path.join(dir, file));
    const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1});
    const feeds = {};
    for (const input of reference.inputs) feeds[input.name] = tensorOf(input);
    let outputs;
    try {
      outputs = await session.run(feeds);
    } catch (error) {
      console.log(`${file}: onnxruntime cannot run it here: ${error.message.split('\n')[0]}`);
      continue;
    }
    let worst = 0;
    let compared = 0;
    for (const expected of reference.outputs) {
      const actual = outputs[expected.name];
      if (!actual || !actual.data || !actual.dims) continue;  // sequences of maps (ZipMap) are not tensors in node
      compared++;
      for (let i = 0; i < expected.tokens.length; i++) {
        const want = expected.tokens[i];
        const got = actual.data[i];
        if (expected.type === 'float32') {
          const w = Number(want);
          const g = Number(got);
          if (Number.isNaN(w) && Number.isNaN(g)) continue;
          // relative difference, with values below 0.1 compared absolutely against 0.1
          worst = Math.max(worst, Math.abs(g - w) / Math.max(Math.abs(w), 1e-1));
          if (!(Math.abs(g - w) <= 1e-5 * Math.abs(w) + 1e-6)) {
            failures++;
            if (failures < 20) console.log(`${file}: ${expected.name}[${i}] reference ${w}, onnxruntime ${g}`);
          }
        } else if (String(got) !== want) {
          failures++;
          if (failures < 20) console.log(`${file}: ${expected.name}[${i}] reference ${want}, onnxruntime ${got}`);
        }
      }
    }
    console.log(`${file.padEnd(28)} ${compared} output(s) compared, largest relative difference ${worst.toExponential(2)}`);
  }
  console.log(failures === 0 ? 'onnxruntime agrees with every reference' : `${failures} value(s) differ`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
