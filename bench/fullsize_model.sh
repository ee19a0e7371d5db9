#!/usr/bin/env bash
# Prepares a full-size Kokoro-82M model folder for the server benches: a random-weight checkpoint
# in the release layout (bench/load_bench --write), Kokoro-82M's config.json and the real af_heart
# voice (from KOKORO_SHARED_DIR, default ../shared). Written once; prints the folder.
# usage: bench/fullsize_model.sh BUILD_DIR
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$1
dir=$build/fullsize-model
shared=${KOKORO_SHARED_DIR:-$src/../shared}
mkdir -p "$dir/voices"
if [ ! -s "$dir/kokoro-v1_0.pth" ]; then
  "$build/bench/load_bench" --write "$dir/kokoro-v1_0.pth.tmp" >&2
  mv "$dir/kokoro-v1_0.pth.tmp" "$dir/kokoro-v1_0.pth"
fi
# Kokoro-82M's config.json: the fixture's vocabulary with the full-size dimensions.
python3 - "$src/tests/fixtures/golden/config.json" "$dir/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c.update(dim_in=64, hidden_dim=512, max_conv_dim=512, n_layer=3, style_dim=128, max_dur=50, n_mels=80, n_token=178)
c["plbert"].update(hidden_size=768, num_attention_heads=12, intermediate_size=2048, max_position_embeddings=512,
                   num_hidden_layers=12)
c["istftnet"]["upsample_initial_channel"] = 512
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
[ -s "$dir/voices/af_heart.bin" ] || cp "$shared/voices-v1.0/af_heart.bin" "$dir/voices/" ||
  { echo "fullsize_model.sh: need the af_heart voice in $shared/voices-v1.0" >&2; exit 1; }
echo "$dir"
