// Package localaws provides loopback stand-ins and launchers for the AWS
// services the connector uses, so that tests and local runs exercise the real
// AWS SDK v2 clients without an AWS account:
//
//   - DynamoDB Local (the Java emulator from infra/local), started by
//     [StartDynamoDBLocal] or shared per test binary by [DynamoDBForTest];
//   - an in-memory Secrets Manager endpoint ([StartSecretsManager]);
//   - a Lambda Invoke endpoint that calls Go handlers ([StartLambda]);
//   - a Step Functions endpoint whose executions run the real definition in
//     the npm package aws-local-stepfunctions ([StartStepFunctions],
//     [RunExecution]);
//   - [ValidateASL], which runs the npm package asl-validator.
//
// Every server here listens on 127.0.0.1 only. DynamoDB Local cannot be
// restricted to loopback, so its launcher runs only inside a network
// namespace whose only interface is loopback (see `make test`).
//
// Clients reach these endpoints through the SDK's standard variables
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SECRETS_MANAGER,
// AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_LAMBDA) or a BaseEndpoint option,
// with the dummy credentials and region in [LocalConfig].
package localaws
