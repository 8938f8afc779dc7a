import { Type, type Static } from '@sinclair/typebox';

// `GET /stats` (`poseidon stats`): what every running task uses now, as each worker measured it
// (the engine's stats of its containers), gathered by the manager from every node that runs one.

export const ClusterTaskUsageView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  node: Type.String({ description: 'The node it runs on.' }),
  service: Type.Optional(Type.String({ description: "A service's replica: its service." })),
  cpu: Type.Number({ description: "Cores in use (1.0 = one core), over the engine's last second or so." }),
  memoryBytes: Type.Integer({ description: 'Memory in use, less the page cache (as `docker stats` shows it).' }),
  memoryLimitBytes: Type.Integer({ description: 'Its memory limit; 0 for none.' }),
});
export type ClusterTaskUsageView = Static<typeof ClusterTaskUsageView>;

export const ClusterUsageView = Type.Object({
  tasks: Type.Array(ClusterTaskUsageView, { description: 'Running tasks, by name.' }),
  unanswered: Type.Array(Type.Object({ node: Type.String(), reason: Type.String() }), {
    description: 'Nodes that run tasks and did not answer in time: their tasks are not listed.',
  }),
});
export type ClusterUsageView = Static<typeof ClusterUsageView>;
