// Prints which TensorFlow.js backend loads and the TensorFlow version behind it, as one JSON line (setup:tensorflow).
import { initTfBackend, tf } from '../lib/ml';

initTfBackend({ strict: process.env.TFJS_BACKEND === 'tensorflow' }).then(
  (backend) => {
    const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
    console.log(JSON.stringify({ backend, tensorflow: binding?.TF_Version }));
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
