/** The assume-role policy that lets one AWS service (e.g. `lambda.amazonaws.com`) take a role. */
export function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}
