// vLLM's transcription and translation routes (Whisper-style models): a
// multipart/form-data upload with `file` and `model`, answered with vLLM's
// TranscriptionResponse `{text, usage}`. The text is derived from the file's bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRANSCRIPTION_WORDS } from './defaults';
import { resolveModel } from './generation-requests';
import { readBody } from './http-body';
import { badRequest } from './http-error';
import type { SimContext } from './http-routes';
import { sendJson } from './send-json';
import { TokenStream } from './tokens';

/** Seconds of audio the usage reports: 16 kHz 16-bit mono, the rate Whisper resamples to. */
const BYTES_PER_SECOND = 32_000;

async function transcribe(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) throw badRequest('Expected a multipart/form-data body with a file');
  const bytes = await readBody(req, ctx.maxBodyBytes);
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': type } }).formData();
  } catch (err) {
    throw badRequest('The multipart body could not be parsed', err);
  }
  const file = form.get('file');
  if (!(file instanceof Blob)) throw badRequest('file: Field required');
  const model = resolveModel(ctx, (form.get('model') as string | null) ?? undefined);
  const audio = Buffer.from(await file.arrayBuffer());
  // The same audio always gives the same words.
  const tokens = new TokenStream({ model, prompt: audio.toString('base64'), maxTokens: TRANSCRIPTION_WORDS, ignoreEos: true });
  let text = '';
  for (let step = tokens.next(); ; step = tokens.next()) {
    text += step.text;
    if (step.finish) break;
  }
  sendJson(res, 200, { text: text.trim(), usage: { type: 'duration', seconds: Math.max(1, Math.ceil(audio.length / BYTES_PER_SECOND)) } });
}

export const audioRoutes = {
  'POST /v1/audio/transcriptions': transcribe,
  'POST /v1/audio/translations': transcribe,
};
