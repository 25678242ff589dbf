/** kubernetes/schema: every generated object against its schema (CRDs, NetworkPolicy); the kustomization lists them. */
import { KUBERNETES_SCHEMA, kubernetesSchema } from '../../src/checks/kubernetes-schema.ts';
import { OUT } from '../../src/conventions.ts';
import { outTable } from './out-table.ts';

outTable(kubernetesSchema, [
  { name: 'the clean build' },
  {
    name: 'an invalid NetworkPolicy',
    edits: [{ file: `${OUT.kubernetesNetworkPoliciesDir}/ghmon-prometheus.yaml`, from: '- Ingress', to: '- Ingres' }],
    expect: {
      check: KUBERNETES_SCHEMA,
      printed: /ghmon-prometheus\.yaml:\d+: spec\.policyTypes\[0\]: must be equal to one of the allowed values/,
    },
  },
  {
    name: 'a generated object left out of the kustomization',
    edits: [{ file: OUT.kubernetesKustomization, from: '  - servicemonitors/ghmon-backend.yaml\n', to: '' }],
    expect: { check: KUBERNETES_SCHEMA, printed: /does not list kubernetes\/servicemonitors\/ghmon-backend\.yaml/ },
  },
]);
