#!/bin/sh
# Install Neural Playground for this user (no root needed):
#   the app    -> ~/.local/opt/neural-playground
#   a command  -> ~/.local/bin/neural-playground
#   the menu   -> ~/.local/share/applications, icon in ~/.local/share/icons
# Run it from the unpacked archive: ./install.sh   (./install.sh --uninstall removes it all)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=$HOME/.local/opt/neural-playground
bin=$HOME/.local/bin
cache=${XDG_CACHE_HOME:-$HOME/.cache}/neural-playground

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$prefix" "$bin/neural-playground" "$data/applications/neural-playground.desktop" \
        "$data/icons/hicolor/scalable/apps/neural-playground.svg" "$cache"
    echo "Neural Playground removed."
    exit 0
fi

mkdir -p "$(dirname "$prefix")" "$bin" "$data/applications" "$data/icons/hicolor/scalable/apps"
rm -rf "$prefix"
cp -a "$here/neural-playground" "$prefix"
ln -sf "$prefix/neural-playground" "$bin/neural-playground"
cp "$here/neural-playground.svg" "$data/icons/hicolor/scalable/apps/"
sed "s|^Exec=neural-playground|Exec=$prefix/neural-playground|" \
    "$here/neural-playground.desktop" > "$data/applications/neural-playground.desktop"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$data/applications" >/dev/null 2>&1 || true
fi
# compiled kernels of older versions are not used any more (the folder is per version)
echo "Installed to $prefix. Start it from the menu or with: neural-playground"
echo "Check it on this machine with: neural-playground --selftest"
