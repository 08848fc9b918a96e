import { ArtifactError, type Manifest, parseManifest, verifyModelBytes } from '@org/classifier-artifact';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../errors.js';
import { openTermCountPath, pathFeeds, pathFetches, planOrReason, type TermCountPath } from '../featurize/termCountPath.js';
import { type FetchArtifactOptions, type FetchedArtifact, fetchArtifact } from './fetchArtifact.js';
import { createGraphSession, type GraphSession } from './graphSession.js';
import { graphOutputNames, readGraph, type WireGraph } from './onnxWire.js';
import { pruneOutputs } from './subgraph.js';
import { lambdaSessionOptions, termCountSessionOptions } from './sessionOptions.js';

export interface LoadModelOptions extends FetchArtifactOptions {
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /** The artifact's bytes, already being read (the Lambda entry starts that first); default: read here. */
  fetched?: Promise<FetchedArtifact>;
}

export interface LoadedModel {
  manifest: Manifest;
  /**
   * The session for plain predictions: the graph without its explanation outputs, and, when
   * `termCounts` is set, also without its text front end (it then takes the featurizer's counts), and
   * run synchronously on onnxruntime's native binding (graphSession.ts says why).
   */
  session: GraphSession;
  termCounts?: TermCountPath;
  /** Why the manifest's `frontEnd` is not used (the model then runs from text). */
  frontEndUnsupported?: string;
  /** Why its `frontEnd.postSums` is not used, when it declares them (plain requests then run from term counts). */
  postSumsUnsupported?: string;
  /** Plain predictions from text: `session` itself without `termCounts`, else created on first use. */
  textSession: () => Promise<ort.InferenceSession>;
  /**
   * The whole graph, created on first use (most environments never explain) from the verified bytes.
   * Undefined when the model has no explanation outputs.
   */
  explainSession?: () => Promise<ort.InferenceSession>;
  /** The graph's output names (of the whole graph, whichever session serves). */
  graphOutputs: readonly string[];
  /** Where the bytes came from (for logs). */
  source: { model: string; manifest: string };
  /**
   * Milliseconds: `readMs` is how long loading waited for the artifact's bytes (with `fetched`, a read
   * started earlier, only what did not overlap the caller's own work), then checking, sessions, warm-up.
   */
  timings: { readMs: number; verifyMs: number; sessionMs: number; warmupMs: number };
  /** Releases every session created so far. */
  release: () => Promise<void>;
}

/**
 * Loads the artifact once (per execution environment): reads model and manifest (in parallel),
 * validates the manifest, checks the model's sha256 against it, creates the session, checks the
 * graph has the inputs/outputs the manifest names, and runs one warm-up prediction so the first
 * request does not pay for lazy initialisation and a model whose class count disagrees with the
 * manifest is refused before it serves.
 */
export async function loadModel(options: LoadModelOptions): Promise<LoadedModel> {
  const t0 = performance.now();
  const { modelBytes, manifestBytes, source } = await (options.fetched ?? fetchArtifact(options));
  const t1 = performance.now();

  let manifest: Manifest;
  try {
    manifest = parseManifest(new TextDecoder().decode(manifestBytes), source.manifest);
    verifyModelBytes(manifest, modelBytes, source.model);
  } catch (cause) {
    if (cause instanceof ArtifactError) throw new ModelLoadError(cause.message, { cause });
    throw cause;
  }
  const t2 = performance.now();

  const sessionOptions = options.sessionOptions ?? lambdaSessionOptions();
  const explain = manifest.explain;
  // The graph's structure, read once at the wire level for the pruned text graph, the term-count plan
  // and the outputs check. Bytes that are not a readable protobuf stay whole: onnxruntime then names
  // the problem.
  const graph = readGraphOrReason(modelBytes);
  // onnxruntime runs every node whatever is fetched: runs from text get the graph without the
  // explanation branch (subgraph.ts), explanations the whole graph.
  let textBytes: Uint8Array | undefined;
  const fromText = () =>
    (textBytes ??= explain && !('unreadable' in graph) ? pruneOutputs(graph, new Set([explain.logits, explain.post, explain.token, explain.contrib])) : modelBytes);

  let created: Promise<GraphSession>[] = [];
  const tracked = <S extends GraphSession>(session: Promise<S>): Promise<S> => {
    created.push(session);
    return session;
  };
  const create = (bytes: Uint8Array) => tracked(ort.InferenceSession.create(bytes, sessionOptions));
  // The term-count session serves every plain request: its runs skip the public API's deferral.
  const createTermCounts = (bytes: Uint8Array) => tracked(createGraphSession(bytes, termCountSessionOptions(sessionOptions)));
  const release = async () => {
    const sessions = created;
    created = [];
    await Promise.all(sessions.map((s) => s.then((x) => x.release()).catch(() => undefined)));
  };

  // Where the manifest declares the graph's front end, plain requests are tokenised and counted here
  // and run the graph from its term counts (featurize/Featurizer.ts says why). If that path cannot
  // start, the graph from text gives the same answers: the environment still serves, and says why.
  const plan = !manifest.frontEnd ? undefined : 'unreadable' in graph ? { unsupported: graph.unreadable } : planOrReason(graph, manifest);
  let frontEndUnsupported = plan && 'unsupported' in plan ? plan.unsupported : undefined;
  let plain: { session: GraphSession; termCounts: TermCountPath } | { session: ort.InferenceSession; termCounts?: undefined } | undefined;
  let termWarmupMs = 0;
  let postSumsUnsupported = plan && !('unsupported' in plan) ? plan.postSumsUnsupported : undefined;
  if (plan && !('unsupported' in plan)) {
    // From per-post sums where the graph declares them; if that session cannot start, from term
    // counts, which is exact too; if neither can, from text.
    const attempts = plan.postSums ? [true, false] : [false];
    for (const postSums of attempts) {
      try {
        plain = await openTermCountPath(plan, (bytes, kind) => (kind === 'termCounts' ? createTermCounts(bytes) : create(bytes)), manifest, { postSums });
        const w = performance.now();
        await warmUp(plain.session, plain.termCounts, manifest, source.model);
        termWarmupMs = performance.now() - w;
        break;
      } catch (error) {
        if (postSums) postSumsUnsupported = `the session from per-post sums did not start: ${(error as Error).message}`;
        else frontEndUnsupported = `the term-count path did not start: ${(error as Error).message}`;
        plain = undefined;
        await release();
      }
    }
  }
  if (!plain) {
    try {
      plain = { session: await create(fromText()) };
    } catch (cause) {
      await release();
      throw new ModelLoadError(`${source.model} is not a loadable ONNX model: ${(cause as Error).message}`, { cause });
    }
  }
  const { session, termCounts } = plain;
  const fromTextOnly = plain.termCounts ? undefined : plain.session;
  const t3 = performance.now();

  const outputs = 'unreadable' in graph ? [] : graphOutputNames(graph);
  try {
    checkGraphMatchesManifest(termCounts ? undefined : session, outputs, manifest, source.model);
    if (!termCounts) await warmUp(session, undefined, manifest, source.model);
  } catch (error) {
    await release();
    throw error;
  }
  const t4 = performance.now();

  // Created on first use. A creation that failed (memory pressure, say) is forgotten, so the next
  // request tries again instead of failing for the rest of the environment's life.
  const onFirstUse = (bytes: () => Uint8Array) => {
    let session: Promise<ort.InferenceSession> | undefined;
    return () =>
      (session ??= create(bytes()).catch((error: unknown) => {
        session = undefined;
        throw error;
      }));
  };
  const text = onFirstUse(fromText);
  return {
    manifest,
    session,
    ...(termCounts ? { termCounts } : {}),
    ...(frontEndUnsupported ? { frontEndUnsupported } : {}),
    ...(postSumsUnsupported && termCounts ? { postSumsUnsupported } : {}),
    textSession: () => (fromTextOnly ? Promise.resolve(fromTextOnly) : text()),
    ...(explain ? { explainSession: onFirstUse(() => modelBytes) } : {}),
    graphOutputs: outputs,
    source,
    timings: { readMs: t1 - t0, verifyMs: t2 - t1, sessionMs: t3 - t2 - termWarmupMs, warmupMs: termWarmupMs + (t4 - t3) },
    release,
  };
}

function readGraphOrReason(model: Uint8Array): WireGraph | { unreadable: string } {
  try {
    return readGraph(model) ?? { unreadable: 'the model has no graph' };
  } catch (error) {
    return { unreadable: `the graph could not be read: ${(error as Error).message}` };
  }
}

function checkGraphMatchesManifest(session: GraphSession | undefined, outputs: readonly string[], manifest: Manifest, where: string): void {
  if (session && !session.inputNames.includes(manifest.io.input)) {
    throw new ModelLoadError(`${where}: the graph has no input "${manifest.io.input}" (inputs: ${session.inputNames.join(', ')})`);
  }
  const wanted = [manifest.io.label, manifest.io.probabilities];
  if (manifest.explain) wanted.push(manifest.explain.logits, manifest.explain.post, manifest.explain.token, manifest.explain.contrib);
  const missing = wanted.filter((name) => !outputs.includes(name));
  if (missing.length > 0) {
    throw new ModelLoadError(`${where}: the graph lacks output(s) named in the manifest: ${missing.join(', ')}`);
  }
}

async function warmUp(session: GraphSession, termCounts: TermCountPath | undefined, manifest: Manifest, where: string): Promise<void> {
  const texts = ['warm up'];
  let feeds: Record<string, ort.Tensor> = { [manifest.io.input]: new ort.Tensor('string', texts, [1]) };
  if (termCounts) {
    const fed = await pathFeeds(termCounts, texts);
    if (!fed) throw new Error('the warm-up text could not be counted');
    feeds = fed.feeds;
  }
  const out = await session.run(feeds, termCounts ? pathFetches(termCounts, manifest.io) : [manifest.io.label, manifest.io.probabilities]);
  const probs = out[manifest.io.probabilities];
  if (!probs || probs.dims.length !== 2 || probs.dims[1] !== manifest.labels.length) {
    throw new ModelLoadError(
      `${where}: probabilities have shape [${probs?.dims.join(', ') ?? ''}], expected [N, ${manifest.labels.length}] (the manifest's labels)`,
    );
  }
}
