#!/bin/sh
# generate-glad.sh - regenerate glbuf's private GL loader (src/glad/) with the
# glad 2 tool from Debian's python3-glad. The output is committed; CI runs this
# and fails if the committed files differ, so they stay reproducible.
#   usage: cmake/generate-glad.sh [OUTDIR]   (default: src/glad)
# --mx gives a function table per context (GladGLContext) and no global GL
# symbols, which is what lets glbuf live beside the app's own loader.
set -eu
out=${1:-"$(dirname "$0")/../src/glad"}
glad --quiet --reproducible \
     --api gl:core=4.5 \
     --extensions GL_ARB_buffer_storage,GL_ARB_direct_state_access,GL_KHR_debug \
     --out-path "$out" \
     c --mx
