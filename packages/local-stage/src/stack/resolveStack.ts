import { statSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APIGW, LAMBDA, LOCAL } from '../constants.js';
import { StackError } from '../errors.js';
import type {
  ApiKeyModel,
  FunctionCode,
  FunctionModel,
  QuotaPeriod,
  RouteModel,
  StageModel,
  ThrottleLimits,
  UsagePlanModel,
} from './model.js';
import { Resolver, referencesIn, syntheticId } from './references.js';
import { type TerraformJson, block, blocks, readTerraformJson } from './terraformJson.js';

/** Resource types the local stage emulates (docs/contracts.md section 3). */
const EMULATED = new Set([
  'aws_s3_bucket',
  'aws_s3_object',
  'aws_lambda_function',
  'aws_lambda_alias',
  'aws_lambda_permission',
  'aws_lambda_provisioned_concurrency_config',
  'aws_api_gateway_rest_api',
  'aws_api_gateway_resource',
  'aws_api_gateway_method',
  'aws_api_gateway_integration',
  'aws_api_gateway_deployment',
  'aws_api_gateway_stage',
  'aws_api_gateway_method_settings',
  'aws_api_gateway_api_key',
  'aws_api_gateway_usage_plan',
  'aws_api_gateway_usage_plan_key',
]);

/** Accepted and ignored: they change nothing a request can observe locally. */
const IGNORED_PREFIXES = [
  'aws_s3_bucket_', // versioning, encryption, public access block, policy, ownership, lifecycle
  'aws_iam_',
  'aws_cloudwatch_',
  'aws_ecr_',
  'aws_sns_',
  'aws_kms_',
  'aws_api_gateway_account',
  'aws_api_gateway_method_response',
  'aws_api_gateway_integration_response',
  'aws_lambda_function_event_invoke_config',
  'aws_lambda_layer_version_permission',
  'aws_xray_',
  'null_resource',
  'terraform_data',
  'random_',
  'time_',
];

type Config = Record<string, unknown>;

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};

function regionOf(tf: TerraformJson): string {
  const aws = block(tf.provider?.aws);
  const region = aws?.region;
  return typeof region === 'string' && !region.includes('${') ? region : LOCAL.region;
}

export async function loadStage(synthDir: string, stackName: string): Promise<StageModel> {
  const stackDir = resolvePath(synthDir, 'stacks', stackName);
  const tf = await readTerraformJson(join(stackDir, 'cdk.tf.json'));
  return resolveStage(tf, stackDir, stackName);
}

export function resolveStage(tf: TerraformJson, stackDir: string, stackName: string): StageModel {
  const region = regionOf(tf);
  const accountId = LOCAL.accountId;
  const res = tf.resource ?? {};
  const entries = (type: string): [string, Config][] => Object.entries(res[type] ?? {});

  // Fail at start, naming every resource the stage cannot emulate (contracts section 3).
  const ignored: string[] = [];
  const unsupported: string[] = [];
  for (const [type, byName] of Object.entries(res)) {
    for (const name of Object.keys(byName)) {
      if (EMULATED.has(type)) continue;
      if (IGNORED_PREFIXES.some((p) => type === p || type.startsWith(p))) ignored.push(`${type}.${name}`);
      else unsupported.push(`${type}.${name}`);
    }
  }
  if (unsupported.length > 0) {
    throw new StackError(`stack ${stackName}: the local stage cannot emulate ${unsupported.join(', ')}`);
  }

  const functionArn = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
  const invokeArnOf = (arn: string) =>
    `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`;

  let resolver: Resolver;
  const fnName = (name: string): string => {
    const cfg = res.aws_lambda_function?.[name];
    const literal = cfg?.function_name;
    if (typeof literal !== 'string') throw new StackError(`aws_lambda_function.${name}: function_name is missing`);
    return resolver.resolve(literal, `aws_lambda_function.${name}.function_name`);
  };
  const fnVersion = (name: string): string =>
    res.aws_lambda_function?.[name]?.publish === true ? '1' : '$LATEST';

  const computed = (type: string, name: string, attribute: string): string | undefined => {
    const address = `${type}.${name}`;
    switch (type) {
      case 'aws_api_gateway_rest_api':
        if (attribute === 'id') return syntheticId(address);
        if (attribute === 'root_resource_id') return syntheticId(`${address}.root`, 10);
        if (attribute === 'execution_arn') return `arn:aws:execute-api:${region}:${accountId}:${syntheticId(address)}`;
        if (attribute === 'arn') return `arn:aws:apigateway:${region}::/restapis/${syntheticId(address)}`;
        return undefined;
      case 'aws_lambda_function': {
        if (attribute === 'function_name' || attribute === 'id') return fnName(name);
        const arn = functionArn(fnName(name));
        if (attribute === 'arn') return arn;
        if (attribute === 'version') return fnVersion(name);
        if (attribute === 'qualified_arn') return `${arn}:${fnVersion(name)}`;
        if (attribute === 'invoke_arn') return invokeArnOf(arn);
        if (attribute === 'qualified_invoke_arn') return invokeArnOf(`${arn}:${fnVersion(name)}`);
        return undefined;
      }
      case 'aws_lambda_alias': {
        const cfg = res.aws_lambda_alias?.[name] ?? {};
        const target = typeof cfg.function_name === 'string' ? cfg.function_name : '';
        const resolvedFn = resolver.resolve(target, `${address}.function_name`);
        const baseName = resolvedFn.startsWith('arn:') ? (resolvedFn.split(':')[6] ?? resolvedFn) : resolvedFn;
        const arn = `${functionArn(baseName)}:${String(cfg.name)}`;
        if (attribute === 'arn' || attribute === 'id') return arn;
        if (attribute === 'invoke_arn') return invokeArnOf(arn);
        return undefined;
      }
      case 'aws_s3_bucket':
        if (attribute === 'id' || attribute === 'bucket') {
          const b = res.aws_s3_bucket?.[name]?.bucket;
          return typeof b === 'string' ? resolver.resolve(b, `${address}.bucket`) : `local-${syntheticId(address, 12)}`;
        }
        if (attribute === 'arn') return `arn:aws:s3:::${computed(type, name, 'bucket')}`;
        return undefined;
      case 'aws_s3_object':
        if (attribute === 'version_id') return 'local';
        if (attribute === 'etag') return syntheticId(address, 32);
        return undefined;
      default:
        // Every other resource gets a stable synthetic id.
        if (attribute === 'id') return syntheticId(address);
        return undefined;
    }
  };
  resolver = new Resolver(tf, computed, region, accountId);

  // --- REST API, stages -----------------------------------------------------------------------
  const apis = entries('aws_api_gateway_rest_api');
  if (apis.length !== 1) {
    throw new StackError(`stack ${stackName}: expected exactly one aws_api_gateway_rest_api, found ${apis.length}`);
  }
  const [apiName, apiCfg] = apis[0] as [string, Config];
  const apiId = syntheticId(`aws_api_gateway_rest_api.${apiName}`);
  const belongsToApi = (value: unknown, where: string) =>
    typeof value === 'string' && resolver.resolve(value, where) === apiId;
  // Keys come from the x-api-key header only; an authorizer-supplied key is not emulated.
  const keySource = apiCfg.api_key_source === undefined ? 'HEADER' : String(apiCfg.api_key_source).toUpperCase();
  if (keySource !== 'HEADER') throw new StackError(`aws_api_gateway_rest_api.${apiName}: api_key_source ${keySource} is not emulated (HEADER only)`);
  const binaryMediaTypes = Array.isArray(apiCfg.binary_media_types)
    ? apiCfg.binary_media_types.filter((t): t is string => typeof t === 'string')
    : [];

  const stages: string[] = [];
  for (const [name, cfg] of entries('aws_api_gateway_stage')) {
    if (!belongsToApi(cfg.rest_api_id, `aws_api_gateway_stage.${name}.rest_api_id`)) continue;
    if (typeof cfg.stage_name !== 'string') throw new StackError(`aws_api_gateway_stage.${name}: stage_name missing`);
    stages.push(resolver.resolve(cfg.stage_name, `aws_api_gateway_stage.${name}.stage_name`));
  }
  if (stages.length === 0) throw new StackError(`stack ${stackName}: no aws_api_gateway_stage for the REST API`);

  // --- resources: id -> full path ----------------------------------------------------------------
  const rootId = syntheticId(`aws_api_gateway_rest_api.${apiName}.root`, 10);
  const pathById = new Map<string, string>([[rootId, '/']]);
  const pending = entries('aws_api_gateway_resource');
  for (let round = 0; round <= pending.length && pathById.size <= pending.length; round++) {
    for (const [name, cfg] of pending) {
      const id = syntheticId(`aws_api_gateway_resource.${name}`);
      if (pathById.has(id)) continue;
      const parent = resolver.resolve(String(cfg.parent_id ?? ''), `aws_api_gateway_resource.${name}.parent_id`);
      const parentPath = pathById.get(parent);
      if (parentPath === undefined) continue;
      const part = resolver.resolve(String(cfg.path_part ?? ''), `aws_api_gateway_resource.${name}.path_part`);
      pathById.set(id, parentPath === '/' ? `/${part}` : `${parentPath}/${part}`);
    }
  }
  for (const [name] of pending) {
    if (!pathById.has(syntheticId(`aws_api_gateway_resource.${name}`))) {
      throw new StackError(`aws_api_gateway_resource.${name}: parent_id does not lead to the API's root resource`);
    }
  }

  // --- functions ----------------------------------------------------------------------------------
  const sourceOfObject = (objName: string, where: string): string => {
    const obj = res.aws_s3_object?.[objName];
    const source = obj?.source;
    if (typeof source !== 'string') throw new StackError(`${where}: aws_s3_object.${objName} has no local source`);
    const p = resolver.resolve(source, `aws_s3_object.${objName}.source`);
    return isAbsolute(p) ? p : resolvePath(stackDir, p);
  };
  const objectNamed = (value: unknown, where: string): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const ref = referencesIn(value).find((r) => r.kind === 'resource' && r.type === 'aws_s3_object');
    if (ref) return ref.name;
    // A literal key: find the object with that key.
    const key = resolver.resolve(value, where);
    return entries('aws_s3_object').find(([n, c]) => typeof c.key === 'string' && resolver.resolve(c.key, `aws_s3_object.${n}.key`) === key)?.[0];
  };

  const provisioned = new Map<string, number>();
  for (const [name, cfg] of entries('aws_lambda_provisioned_concurrency_config')) {
    const target = resolver.resolve(String(cfg.function_name ?? ''), `aws_lambda_provisioned_concurrency_config.${name}.function_name`);
    const n = num(cfg.provisioned_concurrent_executions) ?? 0;
    provisioned.set(target.startsWith('arn:') ? (target.split(':')[6] ?? target) : target, n);
  }

  const functions = new Map<string, FunctionModel>();
  const invokeTargets = new Map<string, string>(); // invoke ARN -> function key
  for (const [name, cfg] of entries('aws_lambda_function')) {
    const where = `aws_lambda_function.${name}`;
    if (cfg.package_type === 'Image' || cfg.image_uri !== undefined) {
      throw new StackError(`${where}: container image functions need Docker; the local stage runs zip packages only`);
    }
    const runtime = String(cfg.runtime ?? '');
    if (!runtime.startsWith('nodejs')) throw new StackError(`${where}: runtime ${runtime || '(none)'} is not emulated (nodejs only)`);
    const handler = String(cfg.handler ?? '');
    if (!/^[^.]+(\.[^.]+)+$/.test(handler)) throw new StackError(`${where}: handler "${handler}" is not <module>.<export>`);

    let code: FunctionCode;
    if (typeof cfg.filename === 'string') {
      const p = resolver.resolve(cfg.filename, `${where}.filename`);
      code = { kind: 'zip', path: isAbsolute(p) ? p : resolvePath(stackDir, p), from: `${where}.filename` };
    } else {
      const objName = objectNamed(cfg.s3_key, `${where}.s3_key`);
      if (!objName) throw new StackError(`${where}: s3_key does not name an aws_s3_object of this stack`);
      code = { kind: 'zip', path: sourceOfObject(objName, `${where}.s3_key`), from: `aws_s3_object.${objName}` };
    }
    try {
      if (statSync(code.path).isDirectory()) code = { ...code, kind: 'dir' };
    } catch (cause) {
      throw new StackError(`${where}: function code ${code.path} (from ${code.from}) does not exist`, { cause });
    }

    const environment: Record<string, string> = {};
    const vars = block(block(cfg.environment)?.variables) ?? {};
    for (const [k, v] of Object.entries(vars)) {
      const whereVar = `${where}.environment.variables.${k}`;
      if (typeof v !== 'string') {
        environment[k] = String(v);
        continue;
      }
      // contracts section 3: a value referencing an aws_s3_object is that object's S3 URI; locally it
      // is the object's source file.
      const objRef = referencesIn(v).find((r) => r.kind === 'resource' && r.type === 'aws_s3_object');
      environment[k] = objRef ? pathToFileURL(sourceOfObject(objRef.name, whereVar)).href : resolver.resolve(v, whereVar);
    }

    const functionName = fnName(name);
    const reserved = num(cfg.reserved_concurrent_executions);
    const version = fnVersion(name);
    const arn = functionArn(functionName);
    const model: FunctionModel = {
      key: name,
      functionName,
      handler,
      runtime,
      memoryMb: num(cfg.memory_size) ?? LAMBDA.defaultMemoryMb,
      timeoutS: num(cfg.timeout) ?? LAMBDA.defaultTimeoutS,
      reservedConcurrency: reserved === undefined || reserved < 0 ? undefined : reserved,
      provisionedConcurrency: provisioned.get(functionName) ?? 0,
      environment,
      code,
      version,
      functionArn: arn,
      invokedArn: arn,
      architectures: Array.isArray(cfg.architectures) ? cfg.architectures.map(String) : ['x86_64'],
    };
    functions.set(name, model);
    invokeTargets.set(invokeArnOf(arn), name);
    invokeTargets.set(invokeArnOf(`${arn}:${version}`), name);
  }
  for (const [name, cfg] of entries('aws_lambda_alias')) {
    const target = resolver.resolve(String(cfg.function_name ?? ''), `aws_lambda_alias.${name}.function_name`);
    const fn = [...functions.values()].find((f) => f.functionName === target || f.functionArn === target);
    if (!fn) throw new StackError(`aws_lambda_alias.${name}: function_name does not name a function of this stack`);
    const aliasArn = `${fn.functionArn}:${String(cfg.name)}`;
    // Invoked through the alias, the context's invokedFunctionArn is the alias ARN.
    invokeTargets.set(invokeArnOf(aliasArn), `${fn.key}@${name}`);
    functions.set(`${fn.key}@${name}`, { ...fn, key: `${fn.key}@${name}`, invokedArn: aliasArn });
  }

  // --- methods and integrations -------------------------------------------------------------------
  const integrations = new Map<string, { functionKey: string; timeoutMs: number }>();
  for (const [name, cfg] of entries('aws_api_gateway_integration')) {
    const where = `aws_api_gateway_integration.${name}`;
    if (!belongsToApi(cfg.rest_api_id, `${where}.rest_api_id`)) continue;
    if (cfg.type !== 'AWS_PROXY') throw new StackError(`${where}: integration type ${String(cfg.type)} is not emulated (AWS_PROXY only)`);
    const resourceId = resolver.resolve(String(cfg.resource_id ?? ''), `${where}.resource_id`);
    const method = resolver.resolve(String(cfg.http_method ?? ''), `${where}.http_method`).toUpperCase();
    const uri = resolver.resolve(String(cfg.uri ?? ''), `${where}.uri`);
    const functionKey = invokeTargets.get(uri);
    if (!functionKey) throw new StackError(`${where}: uri ${uri} does not invoke a function of this stack`);
    const t = num(cfg.timeout_milliseconds) ?? APIGW.integrationTimeoutMs;
    integrations.set(`${resourceId} ${method}`, {
      functionKey,
      timeoutMs: Math.min(Math.max(t, APIGW.minIntegrationTimeoutMs), APIGW.integrationTimeoutMs),
    });
  }
  const routes: RouteModel[] = [];
  for (const [name, cfg] of entries('aws_api_gateway_method')) {
    const where = `aws_api_gateway_method.${name}`;
    if (!belongsToApi(cfg.rest_api_id, `${where}.rest_api_id`)) continue;
    const resourceId = resolver.resolve(String(cfg.resource_id ?? ''), `${where}.resource_id`);
    const resourcePath = pathById.get(resourceId);
    if (resourcePath === undefined) throw new StackError(`${where}: resource_id is not a resource of the API`);
    const httpMethod = resolver.resolve(String(cfg.http_method ?? ''), `${where}.http_method`).toUpperCase();
    const integration = integrations.get(`${resourceId} ${httpMethod}`);
    if (!integration) throw new StackError(`${where}: ${httpMethod} ${resourcePath} has no aws_api_gateway_integration`);
    const authorization = String(cfg.authorization ?? 'NONE');
    if (authorization !== 'NONE') throw new StackError(`${where}: authorization ${authorization} is not emulated (NONE + API key only)`);
    routes.push({
      resourcePath,
      resourceId,
      httpMethod,
      apiKeyRequired: cfg.api_key_required === true || cfg.api_key_required === 'true',
      functionKey: integration.functionKey,
      integrationTimeoutMs: integration.timeoutMs,
    });
  }

  // --- stage throttling ------------------------------------------------------------------------
  const stageThrottle = new Map<string, ThrottleLimits>();
  for (const [name, cfg] of entries('aws_api_gateway_method_settings')) {
    const where = `aws_api_gateway_method_settings.${name}`;
    if (!belongsToApi(cfg.rest_api_id, `${where}.rest_api_id`)) continue;
    const methodPath = resolver.resolve(String(cfg.method_path ?? ''), `${where}.method_path`);
    const settings = block(cfg.settings) ?? {};
    const rate = num(settings.throttling_rate_limit);
    const burst = num(settings.throttling_burst_limit);
    // Only the stage-wide default is emulated: a throttle on one method would be ignored without a word.
    if (methodPath !== '*/*') {
      if ((rate ?? -1) >= 0 || (burst ?? -1) >= 0) {
        throw new StackError(`${where}: a throttle for method path ${methodPath} is not emulated (only "*/*", the stage-wide one)`);
      }
      continue;
    }
    // -1 means "no method-level throttle" in the API Gateway API.
    if (rate !== undefined && burst !== undefined && rate >= 0 && burst >= 0) {
      stageThrottle.set(resolver.resolve(String(cfg.stage_name ?? ''), `${where}.stage_name`), { rateLimit: rate, burstLimit: burst });
    }
  }

  // --- keys and usage plans ----------------------------------------------------------------------
  const apiKeys: ApiKeyModel[] = entries('aws_api_gateway_api_key').map(([name, cfg]) => ({
    tfName: name,
    id: syntheticId(`aws_api_gateway_api_key.${name}`),
    name: typeof cfg.name === 'string' && !cfg.name.includes('${') ? cfg.name : name,
    enabled: cfg.enabled !== false,
    value: typeof cfg.value === 'string' && !cfg.value.includes('${') ? cfg.value : undefined,
  }));
  const planKeys = new Map<string, string[]>();
  for (const [name, cfg] of entries('aws_api_gateway_usage_plan_key')) {
    const where = `aws_api_gateway_usage_plan_key.${name}`;
    const planId = resolver.resolve(String(cfg.usage_plan_id ?? ''), `${where}.usage_plan_id`);
    const keyId = resolver.resolve(String(cfg.key_id ?? ''), `${where}.key_id`);
    planKeys.set(planId, [...(planKeys.get(planId) ?? []), keyId]);
  }
  const usagePlans: UsagePlanModel[] = entries('aws_api_gateway_usage_plan').map(([name, cfg]) => {
    const where = `aws_api_gateway_usage_plan.${name}`;
    const id = syntheticId(where);
    const ownStages = blocks(cfg.api_stages).filter((s) => belongsToApi(s.api_id, `${where}.api_stages.api_id`));
    // Per-method throttles inside a usage plan's stage are not emulated: refuse rather than ignore them.
    if (ownStages.some((s) => blocks(s.throttle).length > 0)) {
      throw new StackError(`${where}: per-method throttles in api_stages are not emulated (only the plan's throttle_settings)`);
    }
    const planStages = ownStages.map((s) => resolver.resolve(String(s.stage ?? ''), `${where}.api_stages.stage`));
    const t = block(cfg.throttle_settings);
    const rate = num(t?.rate_limit);
    const burst = num(t?.burst_limit);
    const q = block(cfg.quota_settings);
    const limit = num(q?.limit);
    const period = String(q?.period ?? 'DAY').toUpperCase();
    if (q && !['DAY', 'WEEK', 'MONTH'].includes(period)) throw new StackError(`${where}: quota period ${period} is not DAY, WEEK or MONTH`);
    return {
      tfName: name,
      id,
      name: typeof cfg.name === 'string' ? cfg.name : name,
      stages: planStages,
      throttle: t && (rate !== undefined || burst !== undefined)
        ? { rateLimit: rate ?? Number.POSITIVE_INFINITY, burstLimit: burst ?? Math.max(1, Math.ceil(rate ?? 1)) }
        : undefined,
      quota: q && limit !== undefined ? { limit, period: period as QuotaPeriod, offset: num(q.offset) ?? 0 } : undefined,
      keyIds: planKeys.get(id) ?? [],
    };
  });

  return {
    stackName,
    stackDir,
    region,
    accountId,
    apiId,
    apiName: typeof apiCfg.name === 'string' ? apiCfg.name : apiName,
    binaryMediaTypes,
    stages,
    routes,
    functions,
    apiKeys,
    usagePlans,
    stageThrottle,
    ignored,
  };
}

