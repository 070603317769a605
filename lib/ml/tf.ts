import * as tf from '@tensorflow/tfjs';

/**
 * The single TensorFlow.js import of lib/ml. @tensorflow/tfjs-node(-gpu), when installed, depends on this same
 * @tensorflow/tfjs version and registers its 'tensorflow' backend with the global engine, so every tensor op here
 * runs on whichever backend initTfBackend() activated.
 */
export { tf };

/**
 * Production mode skips debug-only correctness checks and silences the "install tfjs-node" console banner that the
 * cpu backend prints in Node (the backend choice is reported in training results instead).
 */
tf.enableProdMode();
