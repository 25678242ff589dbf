/** out/alertmanager/: alertmanager.yml and, with an Alertmanager cluster (HA), the flags of each peer. */
import { OUT } from '../../conventions.ts';
import type { Model } from '../../model/model.ts';
import { type OutDocument, textDocument, yamlDocument } from '../document.ts';
import { alertmanagerClusterDoc } from './cluster.ts';
import { alertmanagerConfig } from './config.ts';

export function alertmanagerDocuments(model: Model): OutDocument[] {
  return [
    yamlDocument(OUT.alertmanagerConfig, alertmanagerConfig(model)),
    ...(model.ha.alertmanagerPeers > 1 ? [textDocument(OUT.alertmanagerCluster, alertmanagerClusterDoc(model))] : []),
  ];
}
