// The tenant's models (OpenAI's /v1/models list) in the shapes of Ollama's
// /api/tags, /api/ps and /api/show, with the fields clients read.
import { sha256Hex } from '../store/index';

export interface OpenAIModel {
  id: string;
  created: number;
}

/** Ollama's ModelDetails; vLLM does not say family or quantization, so they are empty as Ollama leaves unknowns. */
const DETAILS = { parent_model: '', format: 'safetensors', family: '', families: null, parameter_size: '', quantization_level: '' };

/** A far-off expiry for /api/ps: vLLM keeps its model loaded for as long as it runs. */
const NEVER = '2318-11-01T00:00:00Z';

const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

async function entry(model: OpenAIModel) {
  return {
    name: model.id,
    model: model.id,
    modified_at: iso(model.created),
    size: 0,
    digest: await sha256Hex(model.id),
    details: DETAILS,
  };
}

export async function tagsOf(models: readonly OpenAIModel[]) {
  return { models: await Promise.all(models.map(entry)) };
}

export async function psOf(models: readonly OpenAIModel[]) {
  return { models: await Promise.all(models.map(async (m) => ({ ...(await entry(m)), expires_at: NEVER, size_vram: 0 }))) };
}

export function showOf(model: OpenAIModel) {
  return {
    license: '',
    modelfile: `# Served by vLLM through vllama\nFROM ${model.id}\n`,
    parameters: '',
    template: '',
    details: DETAILS,
    model_info: { 'general.architecture': '', 'general.basename': model.id },
    capabilities: ['completion', 'tools'],
    modified_at: iso(model.created),
  };
}
