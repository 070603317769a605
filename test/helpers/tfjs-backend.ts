// Jest runs tests in a VM context whose typed-array constructors are not Node's: tfjs-node's native arrays then fail
// TensorFlow.js's `instanceof` checks (model serialization: "Unsupported TypedArray subtype"). So tests run on wasm
// unless they ask for a backend themselves (test/unit/ml/backend.test.ts exercises the native one when installed).
process.env.TFJS_BACKEND ??= 'wasm';
