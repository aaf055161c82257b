import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors';
import { bodyKind, multipartField, requestModel } from './request-model';

const bytes = (text: string) => new TextEncoder().encode(text);

async function formBody(fields: Record<string, string | Blob>): Promise<{ type: string; body: Uint8Array }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const res = new Response(form);
  return { type: res.headers.get('content-type')!, body: new Uint8Array(await res.arrayBuffer()) };
}

describe('requestModel', () => {
  it('reads the model of a JSON body', () => {
    expect(requestModel('application/json', bytes('{"model":"m","prompt":"x"}'))).toMatchObject({ kind: 'json', model: 'm' });
  });

  it('takes a body without a content type as JSON, as vLLM does', () => {
    expect(requestModel(undefined, bytes('{"model":"m"}')).model).toBe('m');
  });

  it('gives no model for a JSON body that names none', () => {
    expect(requestModel('application/json', bytes('{"prompt":"x"}')).model).toBeUndefined();
    expect(requestModel('application/json', bytes('[1,2]')).model).toBeUndefined();
  });

  it('answers 400 invalid_json for a JSON body that does not parse', () => {
    const err = (() => {
      try {
        requestModel('application/json', bytes('{"model": '));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).code).toBe('invalid_json');
  });

  it('passes on a body that is not JSON as bytes, with no model', () => {
    expect(requestModel('application/octet-stream', bytes('{"model": '))).toEqual({ kind: 'other', model: undefined });
    expect(requestModel('text/plain', bytes('not json'))).toEqual({ kind: 'other', model: undefined });
    expect(bodyKind('text/plain', bytes('{}'))).toBe('other');
  });

  it('routes JSON sent under another content type by its model, as curl -d sends it', () => {
    expect(requestModel('application/x-www-form-urlencoded', bytes(' {"model":"m"}'))).toMatchObject({ kind: 'json', model: 'm' });
    expect(requestModel('text/plain;charset=UTF-8', bytes('{"prompt":"x"}'))).toMatchObject({ kind: 'json', model: undefined });
  });

  it('finds the model field of a multipart form after a binary file part', async () => {
    const file = new Blob([new Uint8Array([0, 1, 2, 0x0d, 0x0a, 0x0d, 0x0a, 255])], { type: 'audio/wav' });
    const { type, body } = await formBody({ file, model: 'whisper-1', language: 'en' });
    expect(requestModel(type, body)).toEqual({ kind: 'multipart', model: 'whisper-1' });
  });

  it('is not fooled by the text name="model" inside another part', async () => {
    const { type, body } = await formBody({ prompt: 'say name="model" twice', model: 'm2' });
    expect(multipartField(type, body, 'model')).toBe('m2');
  });

  it('gives no model for a form without one, or without a boundary', async () => {
    const { type, body } = await formBody({ file: new Blob(['abc']) });
    expect(multipartField(type, body, 'model')).toBeUndefined();
    expect(multipartField('multipart/form-data', body, 'model')).toBeUndefined();
  });
});
