import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment/index.js';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration/index.js';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method/index.js';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings/index.js';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource/index.js';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api/index.js';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { ThrottleConfig } from '../config.js';

export type HttpMethod = 'GET' | 'POST';

/** One top-level path with one method, proxied to the function. */
export interface Route {
  pathPart: string;
  method: HttpMethod;
}

/** The API of SPEC.md section 5. */
export const ROUTES: readonly Route[] = [
  { pathPart: 'predict', method: 'POST' },
  { pathPart: 'model', method: 'GET' },
];

/**
 * Access log line (API Gateway developer guide, "$context variables for access logging"). It names the
 * caller's key by `apiKeyId` only: `$context.identity.apiKey` would write the secret key value to the logs.
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  ip: '$context.identity.sourceIp',
  apiKeyId: '$context.identity.apiKeyId',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integration.latency',
  integrationStatus: '$context.integration.status',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
});

export interface KeyedRestApiProps {
  /** REST API name (also the `ApiName` metric dimension). */
  name: string;
  stageName: string;
  routes: readonly Route[];
  /** The alias's `invoke_arn`: API Gateway invokes the alias, never `$LATEST`. */
  aliasInvokeArn: string;
  functionName: string;
  aliasName: string;
  /** Stage-wide throttle applied to every method. */
  methodThrottle: ThrottleConfig;
  logRetentionDays: number;
}

/**
 * A regional REST API whose every method requires an API key (API Gateway rejects a missing or wrong key
 * with 403 before Lambda runs), each route a Lambda proxy (AWS_PROXY) integration to the function's alias;
 * a deployment replaced when the API changes; a stage with JSON access logs and method throttling; and the
 * one Lambda permission, scoped to this API's stage.
 */
export class KeyedRestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly deployment: ApiGatewayDeployment;
  readonly accessLogs: CloudwatchLogGroup;
  readonly methods: ApiGatewayMethod[] = [];
  readonly integrations: ApiGatewayIntegration[] = [];
  readonly permission: LambdaPermission;

  constructor(scope: Construct, id: string, props: KeyedRestApiProps) {
    super(scope, id);

    this.api = new ApiGatewayRestApi(this, 'api', {
      name: props.name,
      description: 'Text classifier: POST /predict, GET /model (API key required).',
      endpointConfiguration: { types: ['REGIONAL'] },
      // Keys come from the x-api-key header (the default, stated so nobody flips it to AUTHORIZER by accident).
      apiKeySource: 'HEADER',
    });

    const hashed: unknown[] = [];
    for (const route of props.routes) {
      const resource = new ApiGatewayResource(this, `${route.pathPart}-resource`, {
        restApiId: this.api.id,
        parentId: this.api.rootResourceId,
        pathPart: route.pathPart,
      });
      const method = new ApiGatewayMethod(this, `${route.pathPart}-method`, {
        restApiId: this.api.id,
        resourceId: resource.id,
        httpMethod: route.method,
        authorization: 'NONE',
        apiKeyRequired: true,
      });
      const integration = new ApiGatewayIntegration(this, `${route.pathPart}-integration`, {
        restApiId: this.api.id,
        resourceId: resource.id,
        httpMethod: method.httpMethod,
        type: 'AWS_PROXY',
        // Lambda is always invoked with POST, whatever the client's method (API Gateway developer guide,
        // "Set up Lambda proxy integrations").
        integrationHttpMethod: 'POST',
        uri: props.aliasInvokeArn,
      });
      this.methods.push(method);
      this.integrations.push(integration);
      // Every argument a later change could update in place, not only today's: a field left out would
      // change the API without a new deployment, and the stage would go on serving the old snapshot.
      hashed.push(
        resource.id,
        resource.pathPart,
        method.id,
        method.httpMethod,
        method.apiKeyRequired,
        method.authorization,
        method.authorizerId,
        method.authorizationScopes,
        method.requestParameters,
        method.requestModels,
        method.requestValidatorId,
        integration.id,
        integration.type,
        integration.uri,
        integration.integrationHttpMethod,
        integration.connectionType,
        integration.timeoutMilliseconds,
        integration.passthroughBehavior,
        integration.contentHandling,
        integration.requestParameters,
        integration.requestTemplates,
        integration.cacheKeyParameters,
      );
    }

    // A deployment is a snapshot: API changes reach the stage only through a new one. Hashing the
    // attributes (not just the ids, which survive in-place updates) replaces it whenever the API changes
    // (aws_api_gateway_deployment docs, "Terraform resources" redeployment example).
    this.deployment = new ApiGatewayDeployment(this, 'deployment', {
      restApiId: this.api.id,
      triggers: { redeployment: Fn.sha1(Fn.jsonencode(hashed)) },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...this.methods, ...this.integrations],
    });

    this.accessLogs = new CloudwatchLogGroup(this, 'access-logs', {
      name: `/aws/apigateway/${props.name}/${props.stageName}/access`,
      retentionInDays: props.logRetentionDays,
    });

    this.stage = new ApiGatewayStage(this, 'stage', {
      restApiId: this.api.id,
      deploymentId: this.deployment.id,
      stageName: props.stageName,
      accessLogSettings: { destinationArn: this.accessLogs.arn, format: ACCESS_LOG_FORMAT },
    });

    new ApiGatewayMethodSettings(this, 'method-settings', {
      restApiId: this.api.id,
      stageName: this.stage.stageName,
      methodPath: '*/*',
      settings: {
        throttlingBurstLimit: props.methodThrottle.burstLimit,
        throttlingRateLimit: props.methodThrottle.rateLimit,
        metricsEnabled: true,
        // Execution logs (and data trace, which logs full request bodies) stay off: access logs are enough,
        // and bodies must never reach the logs.
        loggingLevel: 'OFF',
        dataTraceEnabled: false,
      },
    });

    // Source ARN form: arn:aws:execute-api:region:account:api-id/stage/METHOD/path (API Gateway developer
    // guide, "Control access for invoking an API"). Scoped to this API and stage; the qualifier makes the
    // grant apply to the alias the integrations call.
    this.permission = new LambdaPermission(this, 'invoke-permission', {
      statementId: 'AllowApiGatewayInvoke',
      action: 'lambda:InvokeFunction',
      functionName: props.functionName,
      qualifier: props.aliasName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.api.executionArn}/${props.stageName}/*/*`,
    });
  }

  /** The stage URL, e.g. `https://<id>.execute-api.<region>.amazonaws.com/test`. */
  get invokeUrl(): string {
    return this.stage.invokeUrl;
  }
}
