//! TEMPORARY stub.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {}
pub async fn run(_args: ServeArgs) -> anyhow::Result<()> {
    Ok(())
}
