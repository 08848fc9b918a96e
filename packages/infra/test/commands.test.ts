import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountStackName } from '../src/AccountStack.js';
import { MANIFEST_VERSION_VAR, MODEL_VERSION_VAR } from '../src/ClassifierStack.js';
import { testStage } from '../src/config.js';
import { type Fixture, loadInputs, makeFixture, type Synthesized, synthStage } from './fixtures.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const ACCOUNT = accountStackName(testStage.region);

/** Every shell line of the README's fenced blocks and every inline code span, comments dropped. */
function documentedCommands(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    lines.push(...(block[1] as string).split('\n'));
  }
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) lines.push(span[1] as string);
  return lines.map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l.length > 0);
}

/** The stacks a `cdktf deploy`/`cdktf apply` command names, or undefined for any other command. */
function deployedStacks(command: string): string[] | undefined {
  const m = /\bcdktf (?:deploy|apply)\b(.*)$/.exec(command);
  if (!m) return undefined;
  return (m[1] as string).split(/\s+/).filter((t) => /^classifier-[a-z0-9-]+$/.test(t));
}

/** The fenced blocks of one `## ` section. */
function sectionBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((b) => b[1] as string);
}

let fixture: Fixture;
let stage: Synthesized;
beforeAll(async () => {
  fixture = makeFixture();
  stage = synthStage(testStage, await loadInputs(fixture));
});
afterAll(() => fixture.cleanup());

describe('Documented commands (README.md, package.json)', () => {
  const deploys = documentedCommands(README).filter((c) => deployedStacks(c) !== undefined);

  it('finds the deploy, update and rollback commands', () => {
    expect(deploys.length).toBeGreaterThanOrEqual(4);
    expect(deploys.filter((c) => /\bTF_VAR_/.test(c)).length).toBeGreaterThanOrEqual(1);
  });

  it('passes rollback pins as TF_VAR_ variables the stage declares, never --var to several stacks', () => {
    // cdktf hands every --var to every stack it deploys, and Terraform rejects a -var the root module does
    // not declare (the account stack declares none); a TF_VAR_ it does not declare is ignored.
    for (const command of deploys) {
      for (const [, name] of command.matchAll(/\bTF_VAR_([A-Za-z0-9_]+)=/g)) {
        expect(stage.tf.variable, `${command}: TF_VAR_${name}`).toHaveProperty(name as string);
      }
      if ((deployedStacks(command) ?? []).length > 1) expect(command, command).not.toMatch(/--var[= ]/);
    }
    const rollback = deploys.find((c) => c.includes(`TF_VAR_${MODEL_VERSION_VAR}=`));
    expect(rollback).toContain(`TF_VAR_${MANIFEST_VERSION_VAR}=`);
    expect(deployedStacks(rollback ?? '')).toEqual([ACCOUNT, testStage.stackName]);
  });

  it('deploys a stage together with its account stack (cdktf refuses a stage without its dependencies)', () => {
    for (const command of deploys) {
      const stacks = deployedStacks(command) ?? [];
      if (stacks.includes(testStage.stackName) && stacks.length > 1) expect(stacks[0], command).toBe(ACCOUNT);
    }
  });

  it('npm run deploy:test deploys the account stack and then the test stage', () => {
    const script = PACKAGE.scripts['deploy:test'] ?? '';
    expect(deployedStacks(script)).toEqual([ACCOUNT, testStage.stackName]);
  });

  it('plain Terraform applies the account stack before the stage, and names the external-account case', () => {
    const blocks = [...sectionBlocks(README, 'CDKTF is archived'), ...sectionBlocks(README, 'Container image mode')];
    const fresh = blocks.filter((b) => /terraform init/.test(b));
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    for (const block of fresh) {
      const account = block.search(new RegExp(`${ACCOUNT}[^\\n]*terraform apply`));
      const stageDir = block.search(new RegExp(`\\b${testStage.stackName}\\b`));
      expect(account, block).toBeGreaterThanOrEqual(0);
      expect(account, block).toBeLessThan(stageDir);
    }
    expect(README).toMatch(/CLASSIFIER_APIGW_ACCOUNT=external` there is no\s+`classifier-account-<region>` directory/);
  });
});
