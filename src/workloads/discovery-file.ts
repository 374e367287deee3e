/**
 * Workloads from a JSON or YAML file that a user edits while heroflow runs (YAML is a superset of JSON,
 * so one parser reads both). The file is read again at every poll:
 *
 *     workloads:
 *       - name: cats-workload
 *         topics: [testing.part4.first]
 *         processingParallelism: 5
 *
 * `workloads: []` stops every workload of the file; a file that is missing or invalid changes nothing
 * (logged once per distinct problem), so a typo mid-edit never stops production work.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { HeroflowError } from '../errors.js';
import type { DiscoverySource } from './discovery.js';
import { parseWorkloads, type WorkloadSpec } from './spec.js';

/** Read and validate a workloads file: the document itself (for its other sections) and its workloads. */
export async function readWorkloadsFile(
  path: string,
): Promise<{ doc: Record<string, unknown>; workloads: WorkloadSpec[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new HeroflowError(
      'HF_WORKLOAD_INVALID',
      `Cannot read the workloads file ${path}: ${(cause as Error).message}.`,
      {
        cause,
      },
    );
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new HeroflowError(
      'HF_WORKLOAD_INVALID',
      `The workloads file ${path} is not valid JSON or YAML: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  // A bare list is accepted as the workloads themselves.
  const obj = Array.isArray(doc) ? { workloads: doc } : (doc ?? {});
  if (typeof obj !== 'object' || !('workloads' in obj)) {
    throw new HeroflowError(
      'HF_WORKLOAD_INVALID',
      `The workloads file ${path} has no "workloads" list (write "workloads: []" to run none).`,
    );
  }
  const d = obj as Record<string, unknown>;
  return { doc: d, workloads: parseWorkloads(d.workloads ?? [], `the workloads file ${path}`) };
}

export class FileDiscovery implements DiscoverySource {
  readonly name: string;

  constructor(readonly path: string) {
    this.name = `file ${path}`;
  }

  async requested(): Promise<WorkloadSpec[]> {
    return (await readWorkloadsFile(this.path)).workloads;
  }
}
