// Verifies the platform's proofs with Digital Bazaar's stock libraries — software nobody here
// wrote. Usage: node verify.mjs CASES.json, where CASES.json is
//   {"cases": [{"name": "...", "document": {...}, "expect": "valid" | "revoked"}]}
// Keys, controller documents and status lists are fetched over HTTP from the test server the
// pytest test started on loopback; JSON-LD contexts come from the files the platform ships
// (core/certificates/contexts), never from the internet. Prints one JSON line per case and a
// closing "N passed, N failed" line; exits 1 on any failure.
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import jsonld from 'jsonld';

const here = path.dirname(fileURLToPath(import.meta.url));
const contexts = path.join(here, '..', '..', 'core', 'certificates', 'contexts');
const SHIPPED = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-context-2.0.1.json',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
};
const OURS = /^https?:\/\/[^/]+(\/.*)?\/contexts\/creditbank-v1\.jsonld$/;
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

async function fetchJson(url) {
  if(!LOOPBACK.test(url)) {
    throw new Error(`refusing to fetch a non-loopback URL: ${url}`);
  }
  const response = await fetch(url);
  if(!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

// did:web resolution as the method specifies, but over http: the test server is on loopback.
function didWebUrl(did) {
  const [host, ...segments] = did.slice('did:web:'.length).split(':');
  const tail = segments.length ? segments.map(decodeURIComponent).join('/') + '/did.json' :
    '.well-known/did.json';
  return `http://${decodeURIComponent(host)}/${tail}`;
}

export async function documentLoader(url) {
  if(SHIPPED[url] || OURS.test(url)) {
    const file = SHIPPED[url] || 'creditbank-v1.jsonld';
    const document = JSON.parse(readFileSync(path.join(contexts, file), 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = await fetchJson(didWebUrl(did));
    if(didDocument.id !== did) {
      throw new Error(`DID document id ${didDocument.id} is not ${did}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = didDocument.verificationMethod.find(m => m.id === url);
    if(!method) {
      throw new Error(`${url} is not in its DID document`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': didDocument['@context'], ...method}};
  }
  if(url.startsWith('http')) {
    return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
  }
  throw new Error(`no document for ${url}`);
}

const suites = {
  'eddsa-rdfc-2022': () => new DataIntegrityProof({cryptosuite: rdfc}),
  'eddsa-jcs-2022': () => new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()}),
};
const bothSuites = () => Object.values(suites).map(make => make());

function statusChecker(options) {
  return checkStatus({...options, suite: bothSuites()});
}

// Each cryptosuite alone must verify the document: the library accepts a proof set when any
// one proof verifies, so each is tried on its own.
async function verifyEach(document) {
  const out = {};
  for(const [name, make] of Object.entries(suites)) {
    const result = await vc.verifyCredential({
      credential: document, suite: [make()], documentLoader, checkStatus: statusChecker});
    const proofOk = (result.results || []).some(r => r.verified && r.proof.cryptosuite === name);
    const status = result.statusResult?.results?.[0]?.status;
    out[name] = {verified: Boolean(result.verified && proofOk), revoked: status === true,
      error: result.error ? String(result.error.errors?.[0]?.message || result.error.message ||
        result.error) : undefined};
  }
  return out;
}

async function safeExpand(document) {
  try {
    await jsonld.expand(document, {documentLoader, safe: true});
    return null;
  } catch(error) {
    return String(error.details?.event?.message || error.message || error);
  }
}

async function main() {
  const {cases} = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  let passed = 0;
  let failed = 0;
  for(const {name, document, expect} of cases) {
    const problems = [];
    const expansion = await safeExpand(document);
    if(expansion) {
      problems.push(`safe-mode expansion: ${expansion}`);
    }
    const outer = await verifyEach(document);
    for(const [suite, r] of Object.entries(outer)) {
      if(!r.verified) {
        problems.push(`${suite}: ${r.error || 'not verified'}`);
      }
      if(r.revoked !== (expect === 'revoked')) {
        problems.push(`${suite}: revoked=${r.revoked}, expected ${expect}`);
      }
    }
    // A CLR's bundled AchievementCredentials verify on their own too.
    const inner = document.credentialSubject?.verifiableCredential || [];
    for(const [i, credential] of inner.entries()) {
      const innerExpansion = await safeExpand(credential);
      if(innerExpansion) {
        problems.push(`outcome ${i + 1} safe-mode expansion: ${innerExpansion}`);
      }
      for(const [suite, r] of Object.entries(await verifyEach(credential))) {
        if(!r.verified) {
          problems.push(`outcome ${i + 1} ${suite}: ${r.error || 'not verified'}`);
        }
      }
    }
    const ok = problems.length === 0;
    ok ? passed++ : failed++;
    console.log(JSON.stringify({name, ok, outcomes: inner.length, problems}));
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
