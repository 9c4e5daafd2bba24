"""Planning and dispatch: due lists, 双随机 draws, joint visits, teams and routes."""
