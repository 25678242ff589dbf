/**
 * The node_exporter metric families ghmon knows, with the labels their series carry (besides `job` and
 * `instance`), and the names the generators read. One table: the CPU and memory rules, their promtool cases and
 * the replay's node series take their names from NODE_METRIC, and the PromQL label inference (promql/
 * known-metrics.ts) lists the same families, so a rule cannot read a node_* name the checks do not know.
 */

/** The node_exporter metrics the generated rules read. */
export const NODE_METRIC = {
  cpuSeconds: 'node_cpu_seconds_total',
  memAvailable: 'node_memory_MemAvailable_bytes',
  memTotal: 'node_memory_MemTotal_bytes',
} as const;

/** The labels of a `*_build_info` series (Go exporters: node_exporter, Prometheus, Alertmanager). */
export const BUILD_INFO_LABELS = ['branch', 'goarch', 'goos', 'goversion', 'revision', 'tags', 'version'] as const;

/** A metric family: its name and the labels its exporter sets. */
export type MetricFamily = readonly [name: string, labels?: readonly string[]];

const FS = ['device', 'fstype', 'mountpoint'] as const;

/** node_exporter's own families (its Go process metrics are not listed here). */
export const NODE_EXPORTER_FAMILIES: readonly MetricFamily[] = [
  [NODE_METRIC.cpuSeconds, ['cpu', 'mode']],
  ['node_load1'],
  ['node_load5'],
  ['node_load15'],
  [NODE_METRIC.memAvailable],
  [NODE_METRIC.memTotal],
  ['node_memory_MemFree_bytes'],
  ['node_memory_Buffers_bytes'],
  ['node_memory_Cached_bytes'],
  ['node_memory_SwapTotal_bytes'],
  ['node_memory_SwapFree_bytes'],
  ['node_filesystem_avail_bytes', FS],
  ['node_filesystem_free_bytes', FS],
  ['node_filesystem_size_bytes', FS],
  ['node_filesystem_files', FS],
  ['node_filesystem_files_free', FS],
  ['node_filesystem_readonly', FS],
  ['node_filesystem_device_error', FS],
  ['node_network_receive_bytes_total', ['device']],
  ['node_network_transmit_bytes_total', ['device']],
  ['node_network_receive_packets_total', ['device']],
  ['node_network_transmit_packets_total', ['device']],
  ['node_network_receive_errs_total', ['device']],
  ['node_network_transmit_errs_total', ['device']],
  ['node_network_receive_drop_total', ['device']],
  ['node_network_transmit_drop_total', ['device']],
  ['node_network_up', ['device']],
  ['node_disk_read_bytes_total', ['device']],
  ['node_disk_written_bytes_total', ['device']],
  ['node_disk_reads_completed_total', ['device']],
  ['node_disk_writes_completed_total', ['device']],
  ['node_disk_read_time_seconds_total', ['device']],
  ['node_disk_write_time_seconds_total', ['device']],
  ['node_disk_io_time_seconds_total', ['device']],
  ['node_disk_io_time_weighted_seconds_total', ['device']],
  ['node_disk_io_now', ['device']],
  ['node_pressure_cpu_waiting_seconds_total'],
  ['node_pressure_memory_waiting_seconds_total'],
  ['node_pressure_memory_stalled_seconds_total'],
  ['node_pressure_io_waiting_seconds_total'],
  ['node_pressure_io_stalled_seconds_total'],
  ['node_vmstat_pgmajfault'],
  ['node_vmstat_oom_kill'],
  ['node_context_switches_total'],
  ['node_intr_total'],
  ['node_procs_running'],
  ['node_procs_blocked'],
  ['node_filefd_allocated'],
  ['node_filefd_maximum'],
  ['node_boot_time_seconds'],
  ['node_time_seconds'],
  ['node_timex_offset_seconds'],
  ['node_timex_sync_status'],
  ['node_timex_maxerror_seconds'],
  ['node_entropy_available_bits'],
  ['node_hwmon_temp_celsius', ['chip', 'sensor']],
  ['node_textfile_scrape_error'],
  ['node_scrape_collector_success', ['collector']],
  ['node_scrape_collector_duration_seconds', ['collector']],
  ['node_uname_info', ['domainname', 'machine', 'nodename', 'release', 'sysname', 'version']],
  ['node_exporter_build_info', BUILD_INFO_LABELS],
];
