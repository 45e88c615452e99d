// Every REST operation in the OpenAPI document, driven with what no schema describes: wrong or missing
// credentials, wrong content types, malformed JSON, oversize headers and odd query strings. Each answer is a
// 2xx or a 4xx {"error":{"code","message"}}, never a 5xx, and a refusal writes nothing.
import { test } from '@fast-check/vitest';
import { describe } from 'vitest';
import { transportRequest } from './requests.js';
import { FUZZ_TEST_TIMEOUT_MS, fuzzParams } from './settings.js';
import { createFuzzTarget, sendAndCheck, type SentRequest } from './target.js';

const target = await createFuzzTarget();

describe('every REST operation, hostile transport', () => {
  for (const operation of target.operations) {
    test.prop([transportRequest(target, operation)], fuzzParams<[SentRequest]>(10))(
      `${operation.method} ${operation.path}`,
      async (request) => {
        await sendAndCheck(target, request);
      },
      FUZZ_TEST_TIMEOUT_MS,
    );
  }
});
