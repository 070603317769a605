import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MODEL_KIND_REGISTRY } from '../../../lib/ml';

// The kinds guide is written by hand; this keeps it true: every registered kind has a row, every hyperparameter is
// documented, and the capabilities it states are the declared ones.
const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'MODEL-KINDS.md'), 'utf8');
const yesNo = (v: boolean) => (v ? 'yes' : 'no');

describe('docs/MODEL-KINDS.md', () => {
  for (const kind of MODEL_KIND_REGISTRY) {
    it(`documents ${kind.name}: its row and every hyperparameter`, () => {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${kind.name}\``));
      expect(row).toBeDefined();
      const cells = (row as string).split('|').map((c) => c.trim());
      expect(cells[2]).toBe(kind.tasks.join(', '));
      expect(cells[3]).toBe(yesNo(kind.capabilities.checkpointing));
      expect(cells[4] === 'no').toBe(!kind.capabilities.featureImportance);
      expect(cells[5]).toBe(yesNo(kind.capabilities.gpu));
      expect(cells[6] === 'yes').toBe(kind.capabilities.embeddings);
      const schema = z.toJSONSchema(kind.hyperparameters, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
      };
      for (const field of Object.keys(schema.properties ?? {})) expect(doc).toContain(`| \`${field}\``);
    });
  }
});
