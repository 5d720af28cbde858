// duckdb-query.cjs DIR — the DuckDB half of cmd/rtmpscope's Parquet test
// (TestParquetDuckDB): reads a -T parquet directory the way
// docs/deploying.md tells users to, and prints one JSON object of answers.
// Run with NODE_PATH pointing at a node_modules that has @duckdb/node-api
// (npm install @duckdb/node-api; it ships DuckDB's binary).
const { DuckDBInstance } = require('@duckdb/node-api');

(async () => {
const dir = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const all = `read_parquet('${dir}/**/*.parquet', hive_partitioning=true, union_by_name=true)`;
const out = {
  // Rows per kind, over every file at once through the hive partition.
  kinds: await rows(`SELECT kind, count(*) AS n FROM ${all} GROUP BY kind ORDER BY kind`),
  // Commands per connection, in order (the jq side: .command.name).
  commands: await rows(`SELECT conn, string_agg(command_name, ',' ORDER BY frame, "offset") AS names
    FROM read_parquet('${dir}/kind=message/*.parquet') WHERE command_name IS NOT NULL
    GROUP BY conn ORDER BY conn`),
  // Media bytes per connection and direction, from the body JSON column.
  media: await rows(`SELECT conn, dir, type, sum(length) AS bytes, count(*) AS n,
      count(*) FILTER (WHERE (body->>'keyframe')::BOOLEAN) AS keyframes
    FROM read_parquet('${dir}/kind=message/*.parquet') WHERE type IN ('audio', 'video')
    GROUP BY ALL ORDER BY ALL`),
  // Request/response latency of connect.
  latency: await rows(`SELECT conn, pair_latency_ms FROM read_parquet('${dir}/kind=message/*.parquet')
    WHERE pair_role = 'response' AND pair_request = 'connect' ORDER BY conn`),
  // Stream rows: name and video frames.
  streams: await rows(`SELECT conn, dir, msid, name, video_frames, audio_frames
    FROM read_parquet('${dir}/kind=stream/*.parquet') ORDER BY conn, dir, msid`),
};
console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
