// napi-build sets the linker flags a Node addon needs on the platform (none on Linux; macOS needs
// dynamic lookup of the napi_* symbols, which Node provides at load time).
fn main() {
    napi_build::setup();
}
