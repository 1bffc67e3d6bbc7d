// The security gate: runs cdk-nag's AwsSolutions pack over every CloudFormation template of
// ecsgen's output directories, the way a security reviewer would.
//
//   node scripts/cdk-nag/nag.mjs [--suppressions FILE] DIR...
//
// Each DIR is an environment's output (it holds deploy-plan.json); every template the plan
// names is loaded with aws-cdk-lib's CfnInclude and checked. A finding passes when
//   - a waiver of the spec covers it: the template's Metadata.ecsgen.waivers entry for an
//     ecsgen rule (S01…) acknowledges the cdk-nag rules suppressions.json maps it to, on the
//     resources its path names, with the spec's reason;
//   - the environment is ephemeral (Metadata.ecsgen.ephemeral) and the finding is a default
//     that such an environment leaves off;
//   - it is one of the documented by-design findings of suppressions.json.
// Every other finding fails: exit status 1. Usage errors and templates that do not load: 2.
// Offline: it reads files only.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';

const here = dirname(fileURLToPath(import.meta.url));

function usage(msg) {
  console.error(`nag.mjs: ${msg}\nusage: node nag.mjs [--suppressions FILE] DIR...`);
  process.exit(2);
}

const args = process.argv.slice(2);
let suppressionsFile = join(here, 'suppressions.json');
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--suppressions') {
    suppressionsFile = args[++i] ?? usage('--suppressions needs a file');
  } else if (args[i].startsWith('-')) {
    usage(`unknown option ${args[i]}`);
  } else {
    dirs.push(args[i]);
  }
}
if (dirs.length === 0) usage('no output directory given');

const suppressions = JSON.parse(readFileSync(suppressionsFile, 'utf8'));
const byDesign = suppressions.byDesign.map((d) => ({
  ...d,
  ruleRe: new RegExp(`^(?:${d.ruleId})$`),
  idRe: d.logicalId ? new RegExp(`^(?:${d.logicalId})$`) : null,
  used: 0,
}));

// logicalId turns a spec label into ecsgen's logical id fragment ("web-api" → "WebApi").
function logicalId(label) {
  return label.split(/[-_]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

// waiverScope is the logical id prefix of the resources a waiver path names in its stack: the
// capacity's or load balancer's resources, the notifications topic, the instance role, or (a service or no
// path) every resource of the stack the waiver was recorded in.
function waiverScope(path) {
  if (!path) return '';
  const seg = path.split(/[.[]/);
  if (seg[0] === 'cluster' && seg[1] === 'capacity' && seg[3]) return logicalId(seg[3]);
  if (seg[0] === 'loadBalancers' && seg[1]) return logicalId(seg[1]);
  if (seg[0] === 'notifications') return 'Notifications';
  if (seg[0] === 'cluster' && seg[1] === 'instanceRole') return 'InstanceRole';
  return '';
}

const totals = { templates: 0, waived: 0, ephemeral: 0, byDesign: 0, failing: 0 };
const failures = [];

for (const dir of dirs) {
  let plan;
  try {
    plan = JSON.parse(readFileSync(join(dir, 'deploy-plan.json'), 'utf8'));
  } catch (e) {
    console.error(`${dir}: ${e.message}`);
    process.exit(2);
  }
  for (const st of plan.stacks) {
    const file = join(dir, st.template);
    const template = JSON.parse(readFileSync(file, 'utf8'));
    const meta = template.Metadata?.ecsgen ?? {};
    const app = new App();
    const stack = new Stack(app, 'Stack');
    let included;
    try {
      included = new CfnInclude(stack, 'Template', { templateFile: resolve(file) });
    } catch (e) {
      console.error(`${file}: CfnInclude: ${e.message}`);
      process.exit(2);
    }
    totals.templates++;
    const resources = Object.keys(template.Resources ?? {}).map((id) => ({
      id, type: template.Resources[id].Type, node: included.getResource(id),
    }));

    // The spec's waivers and the ephemeral defaults become cdk-nag acknowledgements.
    const acknowledged = new Map(); // `${logicalId} ${ruleId}` → reason
    const acknowledge = (res, ruleId, reason) => {
      Validations.of(res.node).acknowledge({ id: ruleId, reason });
      acknowledged.set(`${res.id} ${ruleId}`, reason);
    };
    for (const w of meta.waivers ?? []) {
      const rules = suppressions.waivers[w.rule];
      if (rules === undefined) {
        console.error(`${file}: waiver of ${w.rule}: no mapping in ${suppressionsFile}`);
        process.exit(2);
      }
      const scope = waiverScope(w.path);
      for (const res of resources) {
        if (!res.id.startsWith(scope)) continue;
        for (const ruleId of rules) acknowledge(res, ruleId, `ecsgen waiver ${w.rule}${w.path ? ' at ' + w.path : ''}: ${w.reason}`);
      }
    }
    if (meta.ephemeral) {
      for (const res of resources) {
        for (const [ruleId, reason] of Object.entries(suppressions.ephemeral)) acknowledge(res, ruleId, reason);
      }
    }

    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
    for (const v of report.violations) {
      for (const vr of v.violatingResources) {
        const id = vr.constructPath.split('/').pop();
        const res = resources.find((r) => r.id === id);
        const d = byDesign.find((b) => b.ruleRe.test(v.ruleName) &&
          (!b.resourceType || b.resourceType === res?.type) && (!b.idRe || b.idRe.test(id)));
        if (d) {
          d.used++;
          totals.byDesign++;
          console.log(`by design  ${file} ${id} ${v.ruleName}`);
          continue;
        }
        // A granular finding (AwsSolutions-IAM5[Resource::*]) is not covered by acknowledging
        // its rule id, which is what a waiver maps to: match it by the rule id here.
        const waived = acknowledged.get(`${id} ${v.ruleName.replace(/\[.*$/, '')}`);
        if (waived !== undefined && v.ruleName.includes('[')) {
          totals.waived++;
          console.log(`waived     ${file} ${id} ${v.ruleName} — ${waived}`);
          continue;
        }
        totals.failing++;
        failures.push(`${file}: ${id} (${res?.type ?? '?'}): ${v.ruleName}: ${v.description}`);
      }
    }
    // What was acknowledged and then found: cdk-nag skips acknowledged findings silently, so
    // run the pack once more without them to list each waived finding with its reason.
    if (acknowledged.size > 0) {
      const bare = new App();
      const bareStack = new Stack(bare, 'Stack');
      new CfnInclude(bareStack, 'Template', { templateFile: resolve(file) });
      for (const v of new AwsSolutionsChecks(bare).validateScope(bare).violations) {
        for (const vr of v.violatingResources) {
          const id = vr.constructPath.split('/').pop();
          const reason = acknowledged.get(`${id} ${v.ruleName}`);
          if (reason === undefined) continue;
          if (meta.ephemeral && suppressions.ephemeral[v.ruleName] === reason) totals.ephemeral++;
          else totals.waived++;
          console.log(`waived     ${file} ${id} ${v.ruleName} — ${reason}`);
        }
      }
    }
  }
}

for (const f of failures) console.log(`FAIL       ${f}`);
for (const d of byDesign) {
  if (d.used === 0) console.log(`unused     by-design entry ${d.ruleId}${d.logicalId ? ' on ' + d.logicalId : ''} matched no finding here`);
}
console.log(`cdk-nag AwsSolutions: ${totals.templates} templates; ${totals.waived} findings waived by the spec, ` +
  `${totals.ephemeral} off in ephemeral environments, ${totals.byDesign} by design, ${totals.failing} failing`);
process.exit(totals.failing > 0 ? 1 : 0);
